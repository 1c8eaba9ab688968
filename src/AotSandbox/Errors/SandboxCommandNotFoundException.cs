namespace AotSandbox;

/// <summary>Re-attaching to a command failed: the server answered <c>exec.get</c> with an error (the command has exited or never existed).</summary>
public class SandboxCommandNotFoundException : SandboxException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxCommandNotFoundException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxCommandNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxCommandNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
