using AotSandbox.Session;

namespace AotSandbox;

/// <summary>Foreground commands.</summary>
public sealed partial class Sandbox
{
    /// <summary>
    /// Runs a shell command in <c>/workspace</c> and returns at once with its <see cref="ExecTask.ExecId"/>; await the
    /// task for the <see cref="ExecResult"/>. Stdin can be streamed meanwhile with <see cref="WriteStdinAsync(string, string, CancellationToken)"/>.
    /// </summary>
    /// <param name="command">The command line (run by a shell; each command is a fresh process).</param>
    /// <param name="options">Timeout, stdin, output callback, capture and cancellation.</param>
    /// <returns>The running command.</returns>
    /// <exception cref="SandboxWebSocketException">Not connected (thrown synchronously).</exception>
    public ExecTask Exec(string command, ExecOptions? options = null) => StartExec(command, options, stream: null);

    private ExecTask StartExec(string command, ExecOptions? options, ExecStreamBuffer? stream)
    {
        ArgumentNullException.ThrowIfNull(command);
        SandboxSession session = RequireSession();
        PendingExec pending = session.RegisterForeground(command, options?.OnOutput, options?.CaptureOutput ?? true, stream);
        return new ExecTask(pending.ExecId, RunForegroundAsync(session, pending, command, options));
    }

    /// <summary>
    /// Runs a command and streams its output as text chunks; after enumeration <see cref="ExecStream.ExitCode"/> holds
    /// the exit code. Errors (timeout, connection loss) surface from the enumeration.
    /// </summary>
    /// <remarks>
    /// Memory is bounded: at most 16 chunks (each at most one output frame) wait for the consumer. When they are not
    /// read, this connection stops reading the socket, and the back-pressure travels to the server and holds the
    /// command, so a consumer slower than the command slows the command instead of buffering its output.
    /// <para>
    /// Head-of-line trade-off: while the buffer is full, every other operation on this <see cref="Sandbox"/>
    /// connection (other commands' output and exits, file transfers) waits too. Do not await another operation of the
    /// same connection inside the enumeration loop when the command may produce more than the buffer holds; give a
    /// slow consumer its own connection (<see cref="AttachAsync"/> with <see cref="SessionToken"/>), whose stall then
    /// leaves this one flowing. A consumer that reads nothing for 20 s ends the stream with a
    /// <see cref="SandboxTimeoutException"/> (later output is dropped) before the server's stuck-client timeout would
    /// close the whole connection; leaving the enumeration early drops the rest of the output and releases the
    /// connection (the command keeps running). <see cref="ExecOptions.CaptureOutput"/> (true by default in an
    /// <see cref="ExecOptions"/>) additionally keeps all output for <see cref="ExecStream.Completion"/>'s result, without
    /// bound: set it false when streaming large output.
    /// </para>
    /// </remarks>
    /// <param name="command">The command line.</param>
    /// <param name="options">Timeout, stdin, capture and cancellation (an <see cref="ExecOptions.OnOutput"/> is called too).</param>
    /// <param name="cancellationToken">Cancels the command (sends <c>exec.kill</c>).</param>
    /// <returns>The stream; enumerate it once.</returns>
    public ExecStream ExecStreamAsync(string command, ExecOptions? options = null, CancellationToken cancellationToken = default)
        => ExecStreamAsync(command, options, new ExecStreamBuffer(), cancellationToken);

    /// <summary>As the public overload, with a chosen buffer (tests shorten its stall limit).</summary>
    internal ExecStream ExecStreamAsync(string command, ExecOptions? options, ExecStreamBuffer buffer, CancellationToken cancellationToken)
    {
        var effective = new ExecOptions
        {
            Timeout = options?.Timeout,
            Stdin = options?.Stdin,
            StdinBytes = options?.StdinBytes,
            OnOutput = options?.OnOutput,
            CaptureOutput = options?.CaptureOutput ?? false,
            CancellationToken = cancellationToken.CanBeCanceled ? cancellationToken : options?.CancellationToken ?? default,
        };
        ExecTask task = StartExec(command, effective, buffer);
        return new ExecStream(task.ExecId, buffer, task.AsTask());
    }

    private static async Task<ExecResult> RunForegroundAsync(SandboxSession session, PendingExec pending, string command, ExecOptions? options)
    {
        ExecOutcome outcome = await session.RunForegroundAsync(
            pending, command, options?.Timeout, options?.Stdin, options?.StdinBytes, options?.CancellationToken ?? default).ConfigureAwait(false);
        return new ExecResult(outcome.ExecId, outcome.Stdout, outcome.Stderr, outcome.ExitCode, outcome.Destroyed);
    }
}
