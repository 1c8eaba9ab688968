using AotSandbox.Session;

namespace AotSandbox;

/// <summary>Interactive commands on a pseudo-terminal (the <c>exec.pty</c> extension, docs/PROTOCOL.md §4.5).</summary>
public sealed partial class Sandbox
{
    /// <summary>
    /// Starts <paramref name="command"/> on a pseudo-terminal of <paramref name="rows"/> × <paramref name="columns"/>
    /// cells in <c>/workspace</c>: the command sees a real terminal (<c>tty</c>, job control, line editing, full-screen
    /// programs), its output reaches <paramref name="onOutput"/> as raw bytes, and the returned handle sends keystrokes,
    /// resizes and waits for the exit code. Returns once the request was sent; a refusal by the server surfaces from
    /// <see cref="PtyCommand.WaitAsync"/>.
    /// </summary>
    /// <param name="command">The command line, run by a shell (e.g. <c>bash -l</c> for an interactive shell).</param>
    /// <param name="rows">Terminal rows, 1..<see cref="PtyCommand.MaxDimension"/>.</param>
    /// <param name="columns">Terminal columns, 1..<see cref="PtyCommand.MaxDimension"/>.</param>
    /// <param name="onOutput">Receives the terminal's output bytes.</param>
    /// <param name="cancellationToken">Cancels sending the request.</param>
    /// <returns>The running command.</returns>
    /// <exception cref="NotSupportedException">The server does not advertise <see cref="SandboxExtensionNames.ExecPty"/> (e.g. Adobe's service, or the emulator with <c>--strict-protocol</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension outside 1..<see cref="PtyCommand.MaxDimension"/>.</exception>
    /// <exception cref="SandboxWebSocketException">Not connected.</exception>
    public async Task<PtyCommand> StartPtyAsync(string command, int rows, int columns, TerminalOutputHandler onOutput, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(onOutput);
        PtyCommand.CheckSize(rows, columns);
        if (!HasExtension(SandboxExtensionNames.ExecPty))
        {
            throw new NotSupportedException(
                $"the sandbox service does not offer interactive terminals (the '{SandboxExtensionNames.ExecPty}' extension is not advertised); run the command with Exec instead");
        }

        SandboxSession session = RequireSession();
        // One closure per command, not per output chunk: the handler adapts the stream-tagged callback once.
        PendingExec pending = session.RegisterForeground(command, (_, data) => onOutput(data), capture: false);
        await session.StartPtyAsync(pending, command, rows, columns, cancellationToken).ConfigureAwait(false);
        return new PtyCommand(session, pending);
    }
}
