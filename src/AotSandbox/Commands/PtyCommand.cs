using AotSandbox.Session;

namespace AotSandbox;

/// <summary>
/// A command running on a pseudo-terminal in the sandbox (<see cref="Sandbox.StartPtyAsync"/>): write keystrokes with
/// <see cref="WriteAsync"/>, forward window-size changes with <see cref="ResizeAsync"/>, and await its exit code with
/// <see cref="WaitAsync"/>. Its output goes to the handler given at the start. Like every foreground command it ends
/// with its connection: the server kills it when the connection closes.
/// </summary>
public sealed class PtyCommand
{
    /// <summary>Largest number of rows or columns a terminal may have (both start at 1).</summary>
    public const int MaxDimension = 1000;

    private readonly SandboxSession _session;
    private readonly PendingExec _pending;

    internal PtyCommand(SandboxSession session, PendingExec pending)
    {
        _session = session;
        _pending = pending;
    }

    /// <summary>The command's id on the wire (usable with <see cref="Sandbox.KillAsync"/> too).</summary>
    public string ExecId => _pending.ExecId;

    /// <summary>
    /// Types <paramref name="data"/> into the terminal, byte for byte: a carriage return is Enter, 0x03 is Ctrl-C (the
    /// terminal turns it into SIGINT for the foreground job), 0x04 is Ctrl-D. Input after the exit is dropped.
    /// </summary>
    /// <param name="data">Raw bytes, as a keyboard produces them.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes once the bytes were sent.</returns>
    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (!data.IsEmpty)
        {
            await _session.SendInputAsync(ExecId, data.Span, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Changes the terminal's size; the command receives SIGWINCH (as when a local window is resized).</summary>
    /// <param name="rows">1..<see cref="MaxDimension"/>.</param>
    /// <param name="columns">1..<see cref="MaxDimension"/>.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes once the request was sent.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension outside 1..<see cref="MaxDimension"/>.</exception>
    public async Task ResizeAsync(int rows, int columns, CancellationToken cancellationToken = default)
    {
        CheckSize(rows, columns);
        await _session.SendResizeAsync(ExecId, rows, columns, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a signal to the command's whole process tree (default SIGHUP, what closing a terminal sends).</summary>
    /// <param name="signal">A signal name such as SIGHUP, SIGINT, SIGKILL.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes once the request was sent.</returns>
    public async Task KillAsync(string signal = "SIGHUP", CancellationToken cancellationToken = default)
        => await _session.SendKillAsync(ExecId, string.IsNullOrEmpty(signal) ? "SIGHUP" : signal, cancellationToken).ConfigureAwait(false);

    /// <summary>Waits for the command to end and returns its exit code (128 + signal when a signal ended it).</summary>
    /// <param name="cancellationToken">Stops waiting (the command keeps running).</param>
    /// <returns>The exit code.</returns>
    /// <exception cref="SandboxClientException">The server refused the command (<c>error</c> frame) or the sandbox was destroyed while it ran.</exception>
    /// <exception cref="SandboxWebSocketException">The connection was lost: the command's fate is unknown (the server ends it).</exception>
    public async Task<int> WaitAsync(CancellationToken cancellationToken = default)
    {
        ExecOutcome outcome = await _pending.Result!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return outcome.Destroyed || outcome.ExitCode is null
            ? throw new SandboxClientException($"the sandbox was destroyed while the terminal command '{_pending.Command}' ran")
            : outcome.ExitCode.Value;
    }

    internal static void CheckSize(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, MaxDimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(columns, MaxDimension);
    }
}
