namespace AotSandbox;

/// <summary>Options of a foreground command (<see cref="Sandbox.Exec"/>).</summary>
public sealed class ExecOptions
{
    /// <summary>
    /// Client-side time limit (the server has none). When it passes, the SDK sends <c>exec.kill</c> with <c>SIGTERM</c>,
    /// stops listening to the command and fails with <see cref="SandboxTimeoutException"/>. <see cref="TimeSpan.Zero"/> expires at once.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Text written to the command's stdin, followed by end-of-input (sent right after <c>exec.run</c>).</summary>
    public string? Stdin { get; set; }

    /// <summary>Bytes written to the command's stdin (base64 on the wire), followed by end-of-input. Used when <see cref="Stdin"/> is null.</summary>
    public ReadOnlyMemory<byte>? StdinBytes { get; set; }

    /// <summary>Receives output as it arrives (zero-copy UTF-8).</summary>
    public OutputHandler? OnOutput { get; set; }

    /// <summary>Accumulate output into <see cref="ExecResult.Stdout"/>/<see cref="ExecResult.Stderr"/> (default true). Set false for pure streaming.</summary>
    public bool CaptureOutput { get; set; } = true;

    /// <summary>Cancels the command: sends <c>exec.kill</c> with <c>SIGTERM</c> and fails with <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }
}
