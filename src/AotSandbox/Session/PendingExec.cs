using System.Buffers;
using System.Text;

namespace AotSandbox.Session;

/// <summary>
/// A command the connection is listening to: a running foreground command, a detached one (before and after its ack),
/// or one re-attached with <c>exec.get</c>. Output is delivered by the receive loop only; terminal transitions are
/// idempotent (TrySet*) because timeouts, cancellation and connection loss race with the server's frames.
/// </summary>
internal sealed class PendingExec
{
    private OutputHandler? _handler;
    private ArrayBufferWriter<byte>? _stdout;
    private ArrayBufferWriter<byte>? _stderr;

    public PendingExec(Protocol.FrameId key, string execId, string? command, bool detached, OutputHandler? handler, bool capture)
    {
        Key = key;
        ExecId = execId;
        Command = command;
        Detached = detached;
        _handler = handler;
        Capture = capture;
        if (!detached)
        {
            Result = new TaskCompletionSource<ExecOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        else
        {
            Ack = new TaskCompletionSource<CommandInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public Protocol.FrameId Key { get; }

    public string ExecId { get; }

    public string? Command { get; set; }

    public bool Detached { get; }

    public bool Capture { get; }

    /// <summary>Foreground commands: the result.</summary>
    public TaskCompletionSource<ExecOutcome>? Result { get; }

    /// <summary>Detached commands started by this connection: completed by <c>exec.detached</c>.</summary>
    public TaskCompletionSource<CommandInfo>? Ack { get; }

    private TaskCompletionSource<CommandExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Output bytes delivered per stream, and bytes still to drop when a replay after a reconnect resends what was
    // already delivered (docs/PROTOCOL.md §3.11). Receive-loop only, except Prepare* before the command is re-listened to.
    private long _stdoutSeen;
    private long _stderrSeen;
    private long _stdoutSkip;
    private long _stderrSkip;

    /// <summary>
    /// Every command: how it ended (shared by all handles of the command on this connection). Replaced by
    /// <see cref="ReArmExit"/> when a detached command is resumed after its wait failed with the connection.
    /// </summary>
    public TaskCompletionSource<CommandExit> Exit => Volatile.Read(ref _exit);

    /// <summary>The bounded buffer of an <see cref="ExecStream"/> reading this command, if any (see <see cref="ExecStreamBuffer"/>).</summary>
    public ExecStreamBuffer? Stream { get; init; }

    /// <summary>Set once the detached ack (or <c>exec.info</c>) arrived.</summary>
    public bool Acked { get; set; }

    /// <summary>Chains another output handler (re-attach on the same connection, or a reader).</summary>
    public void AddHandler(OutputHandler handler)
    {
        OutputHandler? current;
        do
        {
            current = Volatile.Read(ref _handler);
        }
        while (Interlocked.CompareExchange(ref _handler, (OutputHandler)Delegate.Combine(current, handler), current) != current);
    }

    public void RemoveHandler(OutputHandler handler)
    {
        OutputHandler? current;
        do
        {
            current = Volatile.Read(ref _handler);
        }
        while (Interlocked.CompareExchange(ref _handler, (OutputHandler?)Delegate.Remove(current, handler), current) != current);
    }

    /// <summary>Bytes of output delivered so far on <paramref name="stream"/>.</summary>
    public long Delivered(OutputStream stream) => stream == OutputStream.Stderr ? _stderrSeen : _stdoutSeen;

    /// <summary>
    /// Before re-listening with a replay that resends the command's output from its start: drop as many bytes per stream
    /// as were already delivered, so handlers see every byte exactly once.
    /// </summary>
    public void PrepareReplay()
    {
        _stdoutSkip = _stdoutSeen;
        _stderrSkip = _stderrSeen;
    }

    /// <summary>Before re-listening without replay: everything that arrives is new.</summary>
    public void PrepareLive()
    {
        _stdoutSkip = 0;
        _stderrSkip = 0;
    }

    /// <summary>A resumed command whose wait already failed with the dropped connection gets a fresh, pending wait.</summary>
    public void ReArmExit()
    {
        TaskCompletionSource<CommandExit> current = Exit;
        if (current.Task.IsFaulted)
        {
            Interlocked.CompareExchange(ref _exit, new TaskCompletionSource<CommandExit>(TaskCreationOptions.RunContinuationsAsynchronously), current);
        }
    }

    /// <summary>Hot path: one <c>exec.output</c>. Allocation-free when nothing is captured.</summary>
    public void OnOutput(OutputStream stream, ReadOnlySpan<byte> utf8)
    {
        ref long skip = ref stream == OutputStream.Stderr ? ref _stderrSkip : ref _stdoutSkip;
        if (skip > 0)
        {
            // Replayed bytes this handle already saw before the connection dropped.
            int drop = (int)Math.Min(skip, utf8.Length);
            skip -= drop;
            utf8 = utf8[drop..];
            if (utf8.IsEmpty)
            {
                return;
            }
        }

        if (stream == OutputStream.Stderr)
        {
            _stderrSeen += utf8.Length;
        }
        else
        {
            _stdoutSeen += utf8.Length;
        }

        OutputHandler? handler = Volatile.Read(ref _handler);
        if (handler is not null)
        {
            try
            {
                handler(stream, utf8);
            }
#pragma warning disable CA1031 // A user callback must not be able to kill the receive loop (documented on OutputHandler).
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        Stream?.Write(stream, utf8);
        if (Capture && !utf8.IsEmpty)
        {
            ArrayBufferWriter<byte> target = stream == OutputStream.Stderr ? (_stderr ??= new()) : (_stdout ??= new());
            target.Write(utf8);
        }
    }

    /// <summary>
    /// <c>exec.exit</c>. A detached command that exits before its <c>exec.detached</c> ack (a server ordering violation
    /// that hangs or crashes the reference clients) still yields a handle, without pid, whose wait reports the exit.
    /// </summary>
    public void Complete(int exitCode)
    {
        Result?.TrySetResult(new ExecOutcome(ExecId, Text(_stdout), Text(_stderr), exitCode, Destroyed: false));
        Exit.TrySetResult(new CommandExit(exitCode, destroyed: false));
        Ack?.TrySetResult(new CommandInfo(this, ExecId, Command, Pid: null, StartedAt: null, Detached: true, Destroyed: false));
    }

    /// <summary>Failure (error frame, connection loss, timeout, cancellation).</summary>
    public void Fail(Exception error)
    {
        Result?.TrySetException(error);
        Ack?.TrySetException(error);
        Exit.TrySetException(error);
    }

    /// <summary>The sandbox was destroyed: resolve, do not fail (docs/PROTOCOL.md §3.10).</summary>
    public void ResolveDestroyed()
    {
        Result?.TrySetResult(new ExecOutcome(ExecId, Text(_stdout), Text(_stderr), ExitCode: null, Destroyed: true));
        Ack?.TrySetResult(new CommandInfo(this, ExecId, Command, Pid: null, StartedAt: null, Detached: true, Destroyed: true));
        Exit.TrySetResult(new CommandExit(null, destroyed: true));
    }

    private static string Text(ArrayBufferWriter<byte>? buffer)
        => buffer is null || buffer.WrittenCount == 0 ? string.Empty : Encoding.UTF8.GetString(buffer.WrittenSpan);
}
