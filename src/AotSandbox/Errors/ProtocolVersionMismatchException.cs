namespace AotSandbox;

/// <summary>The server closed the WebSocket with code 4003: its protocol major version differs from <see cref="Sandbox.ProtocolMajor"/>.</summary>
public class ProtocolVersionMismatchException : SandboxClientException
{
    /// <summary>Creates the exception with a default message.</summary>
    public ProtocolVersionMismatchException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public ProtocolVersionMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ProtocolVersionMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
