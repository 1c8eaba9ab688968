namespace AotSandbox;

/// <summary>The outcome of a foreground command.</summary>
public sealed class ExecResult
{
    internal ExecResult(string execId, string stdout, string stderr, int? exitCode, bool destroyed)
    {
        ExecId = execId;
        Stdout = stdout;
        Stderr = stderr;
        ExitCode = exitCode;
        Destroyed = destroyed;
    }

    /// <summary>The command's id (<c>exec-</c> + 24 hex).</summary>
    public string ExecId { get; }

    /// <summary>Everything the command wrote to stdout (empty when <see cref="ExecOptions.CaptureOutput"/> is false).</summary>
    public string Stdout { get; }

    /// <summary>Everything the command wrote to stderr (empty when <see cref="ExecOptions.CaptureOutput"/> is false).</summary>
    public string Stderr { get; }

    /// <summary>
    /// The exit code; <see langword="null"/> only when <see cref="Destroyed"/> (the sandbox was destroyed first).
    /// −1 when the server's <c>exec.exit</c> carried no code.
    /// </summary>
    public int? ExitCode { get; }

    /// <summary>Whether the sandbox was destroyed while the command ran (then the output is what arrived before).</summary>
    public bool Destroyed { get; }
}
