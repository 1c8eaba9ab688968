namespace AotSandbox;

/// <summary>The data-plane WebSocket failed: it could not connect, is not connected, could not send, or closed unexpectedly.</summary>
public class SandboxWebSocketException : SandboxException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxWebSocketException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxWebSocketException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxWebSocketException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
