namespace AotSandbox;

/// <summary>A deadline passed: the service answered HTTP 504, or a command exceeded its client-side <see cref="ExecOptions.Timeout"/>.</summary>
public class SandboxTimeoutException : SandboxException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxTimeoutException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
