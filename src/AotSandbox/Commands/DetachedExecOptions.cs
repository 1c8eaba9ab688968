namespace AotSandbox;

/// <summary>Options of a background command (<see cref="Sandbox.StartDetachedAsync"/>).</summary>
public sealed class DetachedExecOptions
{
    /// <summary>Text written to the command's stdin, followed by end-of-input.</summary>
    public string? Stdin { get; set; }

    /// <summary>Bytes written to the command's stdin, followed by end-of-input. Used when <see cref="Stdin"/> is null.</summary>
    public ReadOnlyMemory<byte>? StdinBytes { get; set; }

    /// <summary>Receives output as it arrives (zero-copy UTF-8).</summary>
    public OutputHandler? OnOutput { get; set; }

    /// <summary>
    /// Not supported for detached commands (the protocol has no server-side timeout); any value makes
    /// <see cref="Sandbox.StartDetachedAsync"/> throw <see cref="SandboxClientException"/> before anything is sent.
    /// Present so code ported from the reference SDKs fails loudly instead of being silently ignored.
    /// </summary>
    public TimeSpan? Timeout { get; set; }
}
