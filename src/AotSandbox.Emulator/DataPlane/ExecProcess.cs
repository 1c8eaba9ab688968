using System.Threading.Channels;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// One <c>exec.run</c>: spawns the command, receives its output and exit as the runtime's <see cref="IProcessSink"/>,
/// and fans frames out to every subscribed connection in order.
///
/// Ordering: all frames of this exec go out under one dispatch gate. The spawn holds the gate until
/// <c>exec.detached</c> is queued, so no output or exit can overtake it; output that arrives while the spawn call is
/// still in flight is parked and flushed right after the ack (the sink must not block on the gate then, because the
/// runtime may deliver the spawn reply and early output from the same reader). <c>exec.get</c> takes the gate too,
/// so a re-attaching connection gets info → replay → live with no gap and no duplicate.
/// </summary>
#pragma warning disable CA1001 // SemaphoreSlim needs disposal only when its AvailableWaitHandle was used, which it never is here.
internal sealed class ExecProcess : IProcessSink
#pragma warning restore CA1001
{
    private const int StdinFrameOverhead = 64;

    private readonly object _sync = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Utf8OutputSanitizer _stdoutText = new();
    private readonly Utf8OutputSanitizer _stderrText = new();
    private readonly ExecOutputFrames _outputFrames;
    // Output frames built from one piece, sent before the next piece is taken; only touched under the dispatch gate.
    private readonly List<byte[]> _built = new(2);
    private readonly TaskCompletionSource<SandboxProcess?> _spawned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<byte[]?> _stdin = Channel.CreateUnbounded<byte[]?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<ExecProcess> _onExited;
    private readonly Action _onActivity;
    private SandboxConnection[] _subscribers;
    // Output that arrived before SpawnAsync returned. Bounded by the runtime's per-exec output window (it waits for
    // acks, i.e. for these calls to return, before sending more), not by a cap here: blocking instead could deadlock
    // a runtime that delivers the spawn reply on the same reader.
    private List<(int Stream, byte[]? Data, int? ExitCode)>? _early = [];
    private long _pendingStdinBytes;
    private bool _stdinClosed;

    public ExecProcess(string execId, string command, bool detached, SandboxConnection starter, Action<ExecProcess> onExited, Action onActivity)
    {
        _onActivity = onActivity;
        ExecId = execId;
        _outputFrames = new ExecOutputFrames(execId);
        Command = command;
        Detached = detached;
        Owner = detached ? null : starter;
        _subscribers = [starter];
        _onExited = onExited;
        Replay = detached ? new ReplayBuffer() : null;
        StartedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }

    public string ExecId { get; }

    public string Command { get; }

    /// <summary>Set for a terminal exec (exec.pty): it runs on a pseudo-terminal of this initial size, and its output goes out as base64 bytes.</summary>
    public TerminalSize? Terminal { get; init; }

    public bool Detached { get; }

    /// <summary>The connection whose close kills this exec (foreground only).</summary>
    public SandboxConnection? Owner { get; }

    public long StartedAtMs { get; }

    public int Pid { get; private set; }

    /// <summary>Set once the main process exited (or the spawn failed).</summary>
    public int? ExitCode { get; private set; }

    public bool HasExited => ExitCode.HasValue;

    /// <summary>When it exited, for retention of detached execs.</summary>
    public DateTimeOffset ExitedAt { get; private set; }

    private ReplayBuffer? Replay { get; }

    /// <summary>Spawns the command; sends <c>exec.detached</c> first for a detached exec, then anything that arrived meanwhile.</summary>
    public async Task StartAsync(ISandboxInstance instance, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            SandboxProcess process;
            try
            {
                process = Terminal is { } size
                    ? await instance.SpawnPtyAsync(Command, size, this, cancellationToken).ConfigureAwait(false)
                    : await instance.SpawnAsync(Command, this, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Whatever the runtime threw, the client gets an error frame for this exec, not a dead socket.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _spawned.TrySetResult(null);
                lock (_sync)
                {
                    _early = null;
                }

                await BroadcastAsync(ServerFrames.Error(ExecId, ErrorCodes.SpawnFailed, "could not start the command: " + e.Message)).ConfigureAwait(false);
                MarkExited(-1);
                return;
            }

            Pid = process.Pid;
            _spawned.TrySetResult(process);
            _ = PumpStdinAsync(process);
            if (Detached)
            {
                await BroadcastAsync(ServerFrames.ExecDetached(ExecId, Pid, StartedAtMs)).ConfigureAwait(false);
            }

            List<(int Stream, byte[]? Data, int? ExitCode)> early;
            lock (_sync)
            {
                early = _early!;
                _early = null;
            }

            foreach ((int stream, byte[]? data, int? exitCode) in early)
            {
                if (exitCode is int code)
                {
                    await DispatchExitAsync(code).ConfigureAwait(false);
                }
                else
                {
                    await DispatchOutputAsync(stream, data).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask OnOutputAsync(int stream, ReadOnlyMemory<byte> data)
    {
        lock (_sync)
        {
            if (_early is not null)
            {
                _early.Add((stream, data.ToArray(), null));
                return;
            }
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await DispatchOutputAsync(stream, data).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask OnExitAsync(int exitCode)
    {
        lock (_sync)
        {
            if (_early is not null)
            {
                _early.Add((0, null, exitCode));
                return;
            }
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await DispatchExitAsync(exitCode).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Ends this exec for its clients because the sandbox is going away: flushes decoded output and sends
    /// <c>exec.exit</c> with <paramref name="exitCode"/> (the SIGKILL the teardown is about to deliver) to every
    /// subscriber, unless the real exit was sent first. A spawn still in flight after <paramref name="wait"/> is left to
    /// the socket close that follows.
    /// </summary>
    public async Task SettleAsync(int exitCode, TimeSpan wait)
    {
        if (!await _gate.WaitAsync(wait).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await DispatchExitAsync(exitCode).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Queues stdin (accepted even before the spawn finished). False when more than 8 MiB is already pending.</summary>
    public bool TryQueueInput(byte[] data)
    {
        lock (_sync)
        {
            if (_stdinClosed || HasExited)
            {
                return true; // Input after EOF or exit is dropped silently, like writing to a closed pipe.
            }

            // Charge a per-frame overhead too, so a flood of tiny frames is bounded like a few big ones.
            long cost = data.Length + StdinFrameOverhead;
            if (_pendingStdinBytes + cost > DataPlaneLimits.MaxPendingStdinBytes)
            {
                return false;
            }

            if (_stdin.Writer.TryWrite(data))
            {
                _pendingStdinBytes += cost;
            }

            // A completed writer means the process's stdin is gone (it closed it, or exited a moment ago): the data
            // is dropped like a write to a closed pipe. Only a full budget is an overflow the client must hear about.
            return true;
        }
    }

    /// <summary>Queues EOF after any input already queued.</summary>
    public void QueueEndInput()
    {
        lock (_sync)
        {
            if (!_stdinClosed)
            {
                _stdinClosed = true;
                _stdin.Writer.TryWrite(null);
            }
        }
    }

    /// <summary>Signals the whole tree once the spawn completed; a no-op after exit.</summary>
    public async Task SignalAsync(int signal)
    {
        SandboxProcess? process = await _spawned.Task.ConfigureAwait(false);
        if (process is not null && !HasExited)
        {
            try
            {
                await process.SignalTreeAsync(signal, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SandboxRuntimeException)
            {
                // The process (or the sandbox) is already gone.
            }
        }
    }

    /// <summary>Resizes a terminal exec once the spawn completed; a no-op after exit (like input racing the exit).</summary>
    public async Task ResizeAsync(TerminalSize size)
    {
        SandboxProcess? process = await _spawned.Task.ConfigureAwait(false);
        if (process is not null && !HasExited)
        {
            try
            {
                await process.ResizeAsync(size, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SandboxRuntimeException)
            {
                // The process (or the sandbox) is already gone.
            }
        }
    }

    /// <summary>
    /// Sends <c>exec.info</c> (with replay fields, retained output and <c>exec.exit</c> when <paramref name="replay"/>)
    /// to <paramref name="connection"/> and subscribes it to live output, atomically with respect to new output.
    /// </summary>
    public async Task AttachAsync(SandboxConnection connection, bool replay)
    {
        await _spawned.Task.ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (HasExited && !replay)
            {
                await connection.SendAsync(ServerFrames.Error(ExecId, ErrorCodes.NotFound, "no running process for execId")).ConfigureAwait(false);
                return;
            }

            ReplayState? state = replay ? new ReplayState(ExitCode, Replay?.Truncated ?? false) : null;
            await connection.SendAsync(ServerFrames.ExecInfo(ExecId, Command, Pid, StartedAtMs, Detached, state)).ConfigureAwait(false);
            if (replay && Replay is not null)
            {
                foreach (byte[] frame in Replay.Frames.ToArray())
                {
                    await connection.SendAsync(frame).ConfigureAwait(false);
                }
            }

            if (HasExited)
            {
                await connection.SendAsync(ServerFrames.ExecExit(ExecId, ExitCode!.Value)).ConfigureAwait(false);
                return;
            }

            lock (_sync)
            {
                if (Array.IndexOf(_subscribers, connection) < 0)
                {
                    _subscribers = [.. _subscribers, connection];
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops sending to a connection that closed.</summary>
    public void Unsubscribe(SandboxConnection connection)
    {
        lock (_sync)
        {
            if (Array.IndexOf(_subscribers, connection) >= 0)
            {
                _subscribers = _subscribers.Where(c => c != connection).ToArray();
            }
        }
    }

    private async Task DispatchOutputAsync(int stream, ReadOnlyMemory<byte>? data)
    {
        if (HasExited)
        {
            return; // exec.exit is the last frame of an exec; a lingering child's late output has no exec to belong to.
        }

        if (Terminal is not null)
        {
            // Terminal bytes go out unchanged (base64): no UTF-8 decoding, which would turn split sequences into U+FFFD.
            byte[] raw = ServerFrames.ExecOutputBytes(ExecId, data.GetValueOrDefault().Span);
            Replay?.Add(raw);
            await BroadcastAsync(raw).ConfigureAwait(false);
            return;
        }

        ReadOnlyMemory<byte> bytes = data.GetValueOrDefault();
        Utf8OutputSanitizer text = stream == 2 ? _stderrText : _stdoutText;
        while (!bytes.IsEmpty)
        {
            BuildOutputFrames(text, stream, bytes.Span, out int consumed);
            bytes = bytes[consumed..];
            await SendBuiltAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Builds into <see cref="_built"/> the frames of the next piece of <paramref name="bytes"/> (none when it is all carried over).</summary>
    private void BuildOutputFrames(Utf8OutputSanitizer text, int stream, ReadOnlySpan<byte> bytes, out int consumed)
    {
        ReadOnlySpan<byte> piece = text.Take(bytes, out consumed);
        while (!piece.IsEmpty)
        {
            _built.Add(_outputFrames.Build(stream, piece, out int taken));
            piece = piece[taken..];
        }
    }

    private void BuildTailFrames(Utf8OutputSanitizer text, int stream)
    {
        ReadOnlySpan<byte> tail = text.Flush();
        if (!tail.IsEmpty)
        {
            _built.Add(_outputFrames.Build(stream, tail, out _)); // one U+FFFD
        }
    }

    private async Task SendBuiltAsync()
    {
        try
        {
            foreach (byte[] frame in _built)
            {
                await SendOutputAsync(frame).ConfigureAwait(false);
            }
        }
        finally
        {
            _built.Clear();
        }
    }

    private async Task SendOutputAsync(byte[] frame)
    {
        Replay?.Add(frame);
        await BroadcastAsync(frame).ConfigureAwait(false);
    }

    private async Task DispatchExitAsync(int exitCode)
    {
        if (HasExited)
        {
            return;
        }

        // A sequence cut off by the end of the stream becomes U+FFFD, stdout's first.
        BuildTailFrames(_stdoutText, 1);
        BuildTailFrames(_stderrText, 2);
        await SendBuiltAsync().ConfigureAwait(false);

        MarkExited(exitCode);
        await BroadcastAsync(ServerFrames.ExecExit(ExecId, exitCode)).ConfigureAwait(false);
    }

    private void MarkExited(int exitCode)
    {
        lock (_sync)
        {
            ExitCode = exitCode;
            ExitedAt = DateTimeOffset.UtcNow;
            _stdin.Writer.TryComplete();
        }

        _onExited(this);
    }

    private async Task BroadcastAsync(byte[] frame)
    {
        // A frame on its way to a client counts as WebSocket traffic: a long build that streams output is not idle.
        _onActivity();
        SandboxConnection[] subscribers;
        lock (_sync)
        {
            subscribers = _subscribers;
        }

        foreach (SandboxConnection connection in subscribers)
        {
            await connection.SendAsync(frame).ConfigureAwait(false);
        }
    }

    private async Task PumpStdinAsync(SandboxProcess process)
    {
        try
        {
            await foreach (byte[]? item in _stdin.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (item is null)
                {
                    await process.CloseStdinAsync(CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                await process.WriteStdinAsync(item, CancellationToken.None).ConfigureAwait(false);
                lock (_sync)
                {
                    _pendingStdinBytes -= item.Length + StdinFrameOverhead;
                }
            }
        }
#pragma warning disable CA1031 // A process that exited or stopped reading makes stdin writes fail; the exit frame tells the client.
        catch (Exception)
#pragma warning restore CA1031
        {
            _stdin.Writer.TryComplete();
        }
    }
}
