namespace AotSandbox.Cli.Terminal;

/// <summary>
/// Puts the local terminal in raw mode and guarantees it is put back. Restoring is idempotent and is wired to every
/// way out: <see cref="Dispose"/> (normal exit, remote exit, exceptions, connection loss), the signal handlers of the
/// shell session (SIGTERM, SIGHUP, SIGINT), and process exit as the last resort (e.g. when the command-line host's
/// own termination timeout ends the process before our finally blocks run).
/// </summary>
internal sealed class RawTerminal : IDisposable
{
    private readonly int _fd;
    private readonly byte[] _saved;
    private int _restored;

    private RawTerminal(int fd, byte[] saved)
    {
        _fd = fd;
        _saved = saved;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Enters raw mode on <paramref name="fd"/>; throws <see cref="CliException"/> when it is not a terminal.</summary>
    public static RawTerminal Enter(int fd)
    {
        byte[] saved = TerminalNative.GetAttributes(fd)
            ?? throw new CliException("standard input is not a terminal: an interactive shell needs one (run `aotsandbox exec ID -- COMMAND` for pipes and scripts)");
        var terminal = new RawTerminal(fd, saved);
        if (!TerminalNative.SetAttributes(fd, TerminalNative.MakeRaw(saved)))
        {
            terminal.Dispose();
            throw new CliException("could not switch the terminal to raw mode (tcsetattr failed)");
        }

        return terminal;
    }

    /// <summary>Puts the saved settings back (once; later calls do nothing). Safe from signal handlers and any thread.</summary>
    public void Restore()
    {
        if (Interlocked.Exchange(ref _restored, 1) == 0)
        {
            TerminalNative.SetAttributes(_fd, _saved);
        }
    }

    public void Dispose()
    {
        Restore();
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
    }

    private void OnProcessExit(object? sender, EventArgs e) => Restore();
}
