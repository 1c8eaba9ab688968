namespace AotSandbox;

/// <summary>How a detached command ended (<see cref="DetachedCommand.WaitAsync"/>).</summary>
public sealed class CommandExit
{
    internal CommandExit(int? exitCode, bool destroyed)
    {
        ExitCode = exitCode;
        Destroyed = destroyed;
    }

    /// <summary>The exit code; <see langword="null"/> when <see cref="Destroyed"/>, −1 when the server sent none.</summary>
    public int? ExitCode { get; }

    /// <summary>Whether the sandbox was destroyed before the command exited.</summary>
    public bool Destroyed { get; }
}
