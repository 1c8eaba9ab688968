namespace AotSandbox;

/// <summary>The server closed the WebSocket with code 4004: it rejected a frame as malformed.</summary>
public class SandboxMalformedFrameException : SandboxClientException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxMalformedFrameException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxMalformedFrameException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxMalformedFrameException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
