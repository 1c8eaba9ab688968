namespace AotSandbox;

/// <summary>The service answered HTTP 404: the sandbox does not exist (or belongs to another namespace).</summary>
public class SandboxNotFoundException : SandboxException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxNotFoundException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
