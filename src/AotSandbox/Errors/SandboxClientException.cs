namespace AotSandbox;

/// <summary>A request was refused: invalid input (size, region, port), an HTTP error status without a more specific class, a transport failure, or an <c>error</c> frame answering a command or file operation.</summary>
public class SandboxClientException : SandboxException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxClientException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxClientException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
