using System.Runtime.InteropServices;

namespace AotSandbox.Cli.Terminal;

/// <summary>
/// One interactive command on a pseudo-terminal in a sandbox, wired to the local terminal: raw mode while it runs,
/// keystrokes (Ctrl-C included, as a byte) to the sandbox, its output to stdout unchanged, window-size changes
/// forwarded, its exit code returned. The local terminal is restored on every path out (see <see cref="RawTerminal"/>).
/// </summary>
internal static class ShellSession
{
    private const int InputChunk = 4096;
    private const int SigHup = 1;
    private const int SigInt = 2;
    private const int SigTerm = 15;

    /// <summary>Fails early, before connecting, when there is no terminal to drive the session.</summary>
    public static void RequireTerminal()
    {
        if (!TerminalNative.IsTerminal(TerminalNative.StdinFd))
        {
            throw new CliException("standard input is not a terminal: an interactive shell needs one (run `aotsandbox exec ID -- COMMAND` for pipes and scripts)")
            {
                ExitCode = CliOutput.UsageExitCode,
            };
        }
    }

    public static async Task<int> RunAsync(Sandbox sandbox, string command, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new CliException("interactive terminals need a Unix terminal (termios); on Windows use `aotsandbox exec`");
        }

        RequireTerminal();
        if (!sandbox.Extensions.Contains(SandboxExtensionNames.ExecPty))
        {
            throw new CliException(
                $"the sandbox service does not offer interactive terminals (it does not advertise the '{SandboxExtensionNames.ExecPty}' extension; Adobe's service and `serve --strict-protocol` do not): run commands with `aotsandbox exec ID -- COMMAND` instead");
        }

        command = WithTerminalType(command);
        (int rows, int columns) = WindowSize();
        using RawTerminal raw = RawTerminal.Enter(TerminalNative.StdinFd);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int stoppedBy = 0;
        void Stop(PosixSignalContext context)
        {
            // Put the terminal back first: whatever happens next (even the host ending the process), it is usable.
            context.Cancel = true;
            raw.Restore();
            Interlocked.CompareExchange(ref stoppedBy, (int)context.Signal switch
            {
                (int)PosixSignal.SIGHUP => SigHup,
                (int)PosixSignal.SIGINT => SigInt,
                _ => SigTerm,
            }, 0);
            stop.Cancel();
        }

        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using PosixSignalRegistration hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
        // Raw mode turns Ctrl-C into a byte for the sandbox; a SIGINT can then only come from outside (kill -INT).
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        PtyCommand pty = await sandbox.StartPtyAsync(command, rows, columns, WriteToTerminal, stop.Token).ConfigureAwait(false);
        var resizer = new WindowResizer(pty, (rows, columns));
        using PosixSignalRegistration winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, resizer.OnSignal);
        StartKeyboardPump(pty, stop.Token);

        try
        {
            return ExitCodes.FromCommand(await pty.WaitAsync(stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // We were told to stop: hang up the remote shell, as closing a terminal does, and report the signal.
            raw.Restore();
            await HangUpAsync(pty).ConfigureAwait(false);
            return 128 + (Volatile.Read(ref stoppedBy) is var signal and > 0 ? signal : SigInt);
        }
        finally
        {
            raw.Restore();
        }
    }

    /// <summary>
    /// Passes the local TERM on, so programs in the sandbox emit the escape sequences this terminal understands. Only a
    /// plain terminal name is passed (letters, digits, '.', '_', '+', '-'): it becomes part of a shell command line.
    /// </summary>
    private static string WithTerminalType(string command)
    {
        string? term = Environment.GetEnvironmentVariable("TERM");
        bool plain = !string.IsNullOrEmpty(term) && term.Length <= 64
            && term.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '-');
        return plain ? $"export TERM={term}; {command}" : command;
    }

    /// <summary>The local window's size (stdout's terminal, else stdin's), clamped to what a sandbox terminal allows.</summary>
    private static (int Rows, int Columns) WindowSize()
    {
        (int rows, int columns) = TerminalNative.GetWindowSize(TerminalNative.StdoutFd)
            ?? TerminalNative.GetWindowSize(TerminalNative.StdinFd)
            ?? (24, 80);
        return (Math.Clamp(rows, 1, PtyCommand.MaxDimension), Math.Clamp(columns, 1, PtyCommand.MaxDimension));
    }

    /// <summary>The output handler: the bytes go to fd 1 as they are (escape sequences included), synchronously.</summary>
    private static void WriteToTerminal(ReadOnlySpan<byte> data) => TerminalNative.WriteAll(TerminalNative.StdoutFd, data);

    /// <summary>
    /// Reads the keyboard on its own background thread with blocking read(2) (no Console: its input layer would
    /// reconfigure the terminal) and forwards each chunk. End of input stops the pump; the remote shell is not told,
    /// since a terminal has no end of input (Ctrl-D is a byte the remote terminal interprets).
    /// </summary>
    private static void StartKeyboardPump(PtyCommand pty, CancellationToken cancellationToken)
    {
        var thread = new Thread(() =>
        {
            byte[] buffer = new byte[InputChunk];
            while (!cancellationToken.IsCancellationRequested)
            {
                int read = TerminalNative.ReadBlocking(TerminalNative.StdinFd, buffer);
                if (read <= 0 || cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    pty.WriteAsync(buffer.AsMemory(0, read), cancellationToken).GetAwaiter().GetResult();
                }
#pragma warning disable CA1031 // The connection ended or we are stopping: the wait reports why; the pump just ends.
                catch (Exception)
#pragma warning restore CA1031
                {
                    return;
                }
            }
        })
        {
            IsBackground = true, // blocked in read(2) when the session ends: it must not keep the process alive
            Name = "aotsandbox shell keyboard",
        };
        thread.Start();
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "Best effort on the way out; the connection may already be gone.")]
    private static async Task HangUpAsync(PtyCommand pty)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await pty.KillAsync("SIGHUP", limit.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
    }

    /// <summary>
    /// SIGWINCH → <c>exec.resize</c>. Signals come in bursts while a window is dragged: one resize is in flight at a time,
    /// and after each the size is read again, so the last size always reaches the sandbox and no stale one follows it.
    /// </summary>
    private sealed class WindowResizer
    {
        private readonly PtyCommand _pty;
        private (int Rows, int Columns) _sent;
        private int _busy;

        public WindowResizer(PtyCommand pty, (int Rows, int Columns) initial)
        {
            _pty = pty;
            _sent = initial;
        }

        public void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Exchange(ref _busy, 1) == 0)
            {
                _ = SendLatestAsync();
            }
        }

        [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "A resize that cannot be sent (connection gone) is not worth failing the session for.")]
        private async Task SendLatestAsync()
        {
            try
            {
                do
                {
                    (int Rows, int Columns) now;
                    while ((now = WindowSize()) != _sent)
                    {
                        await _pty.ResizeAsync(now.Rows, now.Columns).ConfigureAwait(false);
                        _sent = now;
                    }

                    Volatile.Write(ref _busy, 0);
                }
                // A signal that came after the last read but before the flag dropped found us busy: look once more.
                while (WindowSize() != _sent && Interlocked.Exchange(ref _busy, 1) == 0);
            }
            catch (Exception)
            {
                Volatile.Write(ref _busy, 0);
            }
        }
    }
}
