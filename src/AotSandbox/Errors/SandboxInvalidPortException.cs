namespace AotSandbox;

/// <summary>A port number is outside 1..65535.</summary>
public class SandboxInvalidPortException : SandboxClientException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxInvalidPortException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxInvalidPortException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxInvalidPortException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
