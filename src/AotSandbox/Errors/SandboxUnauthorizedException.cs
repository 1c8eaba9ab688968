namespace AotSandbox;

/// <summary>The credentials or the data-plane token were rejected (HTTP 401/403, a missing <c>auth.ok</c>, or WebSocket close code 4001).</summary>
public class SandboxUnauthorizedException : SandboxException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxUnauthorizedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxUnauthorizedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxUnauthorizedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
