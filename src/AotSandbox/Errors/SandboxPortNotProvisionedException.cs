namespace AotSandbox;

/// <summary>A valid port has no preview URL: ports must be declared in <see cref="SandboxCreateOptions.Ports"/> when the sandbox is created.</summary>
public class SandboxPortNotProvisionedException : SandboxClientException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxPortNotProvisionedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxPortNotProvisionedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxPortNotProvisionedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
