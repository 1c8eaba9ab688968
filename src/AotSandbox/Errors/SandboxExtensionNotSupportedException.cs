namespace AotSandbox;

/// <summary>
/// The service does not offer an optional protocol extension the call needs (see <see cref="SandboxExtensionNames"/>),
/// e.g. <see cref="Sandbox.ListAsync"/> against Adobe's service or an emulator in strict-protocol mode. Nothing was
/// changed on the service. A <see cref="SandboxClientException"/>, as every other refused request is.
/// </summary>
public class SandboxExtensionNotSupportedException : SandboxClientException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SandboxExtensionNotSupportedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SandboxExtensionNotSupportedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SandboxExtensionNotSupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one extension.</summary>
    /// <param name="message">What went wrong and what to do instead.</param>
    /// <param name="extension">The extension's name (a <see cref="SandboxExtensionNames"/> value).</param>
    public SandboxExtensionNotSupportedException(string message, string extension)
        : base(message)
    {
        Extension = extension;
    }

    /// <summary>The extension the service lacks, when known.</summary>
    public string? Extension { get; }
}
