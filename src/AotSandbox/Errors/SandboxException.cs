namespace AotSandbox;

/// <summary>
/// Base class of every error raised by the SDK. Catch this to handle all sandbox failures in one place;
/// the subclasses say what failed, and <see cref="StatusCode"/>, <see cref="CloseCode"/> and <see cref="ErrorCode"/>
/// carry the raw signal from the service when there was one.
/// </summary>
public class SandboxException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status of the REST response that caused the error, when one did.</summary>
    public int? StatusCode { get; internal set; }

    /// <summary>The WebSocket close code that caused the error, when one did.</summary>
    public int? CloseCode { get; internal set; }

    /// <summary>The <c>code</c> of the server's <c>error</c> frame (e.g. <c>NOT_FOUND</c>, <c>ENOENT</c>), when one was sent.</summary>
    public string? ErrorCode { get; internal set; }
}
