namespace AotSandbox;

/// <summary>
/// The service refused a create because it has no room (HTTP 429): too many sandboxes, or a host budget (processes,
/// memory, sandboxes per namespace) is spent. The message says which; destroy a sandbox or retry later. A
/// <see cref="SandboxClientException"/>, as every other refused request is (code that caught that for 429 still works).
/// </summary>
public class SandboxCapacityException : SandboxClientException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxCapacityException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxCapacityException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxCapacityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
