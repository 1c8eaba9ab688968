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
    public ExecTask Exec(string command, ExecOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        SandboxSession session = RequireSession();
        PendingExec pending = session.RegisterForeground(command, options?.OnOutput, options?.CaptureOutput ?? true);
        return new ExecTask(pending.ExecId, RunForegroundAsync(session, pending, command, options));
    }

    /// <summary>
    /// Runs a command and streams its output as text chunks; after enumeration <see cref="ExecStream.ExitCode"/> holds
    /// the exit code. Errors (timeout, connection loss) surface from the enumeration.
    /// </summary>
    /// <param name="command">The command line.</param>
    /// <param name="options">Timeout, stdin, capture and cancellation (an <see cref="ExecOptions.OnOutput"/> is called too).</param>
    /// <param name="cancellationToken">Cancels the command (sends <c>exec.kill</c>).</param>
    /// <returns>The stream; enumerate it once.</returns>
    public ExecStream ExecStreamAsync(string command, ExecOptions? options = null, CancellationToken cancellationToken = default)
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<OutputChunk>(
            new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        OutputHandler toChannel = (stream, data) => channel.Writer.TryWrite(new OutputChunk(stream, System.Text.Encoding.UTF8.GetString(data)));
        var effective = new ExecOptions
        {
            Timeout = options?.Timeout,
            Stdin = options?.Stdin,
            StdinBytes = options?.StdinBytes,
            OnOutput = options?.OnOutput is { } user ? (OutputHandler)Delegate.Combine(user, toChannel) : toChannel,
            CaptureOutput = options?.CaptureOutput ?? false,
            CancellationToken = cancellationToken.CanBeCanceled ? cancellationToken : options?.CancellationToken ?? default,
        };
        ExecTask task = Exec(command, effective);
        return new ExecStream(task.ExecId, channel, task.AsTask());
    }

    private static async Task<ExecResult> RunForegroundAsync(SandboxSession session, PendingExec pending, string command, ExecOptions? options)
    {
        ExecOutcome outcome = await session.RunForegroundAsync(
            pending, command, options?.Timeout, options?.Stdin, options?.StdinBytes, options?.CancellationToken ?? default).ConfigureAwait(false);
        return new ExecResult(outcome.ExecId, outcome.Stdout, outcome.Stderr, outcome.ExitCode, outcome.Destroyed);
    }
}
