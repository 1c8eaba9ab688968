namespace AotSandbox;

/// <summary>Required credentials (API host, namespace, API key) are missing; raised before any network I/O.</summary>
public class SandboxInitializationException : SandboxException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxInitializationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxInitializationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxInitializationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
