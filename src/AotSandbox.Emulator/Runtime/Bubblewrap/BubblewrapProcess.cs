using System.Buffers;
using System.Text;
using System.Threading.Channels;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// One exec in a sandbox. Agent events are queued (output in pooled buffers) and delivered to the sink by
/// this exec's own pump, one call at a time and in order; each consumed chunk is acknowledged to the agent,
/// which reads the command's pipes only while its unacknowledged output is below the window. So a slow sink
/// slows only its own command, and the queue here stays bounded by that window.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim holds no OS handle unless AvailableWaitHandle is used, which it is not.")]
internal sealed class BubblewrapProcess : SandboxProcess
{
    /// <summary>Exit code reported when the sandbox itself ended under a running command (as if SIGKILLed).</summary>
    public const int SandboxGoneExitCode = 128 + 9;

    private readonly AgentChannel _channel;
    private readonly uint _id;
    private readonly IProcessSink _sink;
    private readonly TaskCompletionSource<int> _spawned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<Event> _events = Channel.CreateUnbounded<Event>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CreditGate _stdinCredit = new(AgentWire.StdinWindow);
    private readonly SemaphoreSlim _stdinLock = new(1, 1);
    private int _pid;
    private int _ended;
    private long _queuedOutput; // output bytes received but not yet consumed and acknowledged

    public BubblewrapProcess(AgentChannel channel, uint id, IProcessSink sink, TerminalSize? terminal = null)
    {
        _channel = channel;
        _id = id;
        _sink = sink;
        Terminal = terminal;
        _ = Task.Run(PumpAsync);
    }

    public override int Pid => _pid;

    /// <summary>The initial size when the command runs on a pseudo-terminal; then it has no stderr.</summary>
    public TerminalSize? Terminal { get; }

    /// <summary>Completes with the pid once the agent started the command, or faults when it could not.</summary>
    public Task<int> Spawned => _spawned.Task;

    public override async ValueTask WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _stdinLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!data.IsEmpty)
            {
                var chunk = data[..Math.Min(data.Length, AgentWire.StdinChunk)];
                if (!await _stdinCredit.TakeAsync(chunk.Length, cancellationToken).ConfigureAwait(false))
                {
                    return; // the command ended: like writing to a closed pipe, the bytes go nowhere
                }

                await _channel.SendAsync(AgentWire.Stdin, _id, ReadOnlyMemory<byte>.Empty, chunk, CancellationToken.None).ConfigureAwait(false);
                data = data[chunk.Length..];
            }
        }
        finally
        {
            _stdinLock.Release();
        }
    }

    public override async ValueTask CloseStdinAsync(CancellationToken cancellationToken)
    {
        await _stdinLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _ended) == 0)
            {
                await _channel.SendAsync(AgentWire.StdinEof, _id, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _stdinLock.Release();
        }
    }

    /// <summary>Also valid after the exit: background children of the command may still be running.</summary>
    public override ValueTask SignalTreeAsync(int signal, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(signal, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(signal, 64);
        return _channel.SendUInt32Async(AgentWire.SignalTree, _id, (uint)signal, cancellationToken);
    }

    public Task SpawnAsync(string command, CancellationToken cancellationToken)
    {
        if (Terminal is not { } size)
        {
            return _channel.SendAsync(AgentWire.Spawn, _id, ReadOnlyMemory<byte>.Empty, Encoding.UTF8.GetBytes(command), cancellationToken).AsTask();
        }

        var prefix = new byte[4];
        AgentWire.WriteTerminalSize(prefix, size);
        return _channel.SendAsync(AgentWire.SpawnPty, _id, prefix, Encoding.UTF8.GetBytes(command), cancellationToken).AsTask();
    }

    public override ValueTask ResizeAsync(TerminalSize size, CancellationToken cancellationToken)
    {
        if (Terminal is null)
        {
            throw new NotSupportedException("this process has no terminal");
        }

        if (!size.IsValid)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"a terminal is 1..{TerminalSize.MaxDimension} rows and columns");
        }

        var payload = new byte[4];
        AgentWire.WriteTerminalSize(payload, size);
        return _channel.SendAsync(AgentWire.Resize, _id, ReadOnlyMemory<byte>.Empty, payload, cancellationToken);
    }

    // ---- called by the channel's read loop (never concurrently) ----

    public void OnSpawned(int pid)
    {
        _pid = pid;
        _spawned.TrySetResult(pid);
    }

    public void OnSpawnFailed(Exception error)
    {
        End();
        _spawned.TrySetException(error);
        _events.Writer.TryComplete();
    }

    /// <summary>Queues a chunk; false when the agent overran its output window (an honest agent never does).</summary>
    public bool OnOutput(int stream, ReadOnlySpan<byte> data)
    {
        if (Interlocked.Add(ref _queuedOutput, data.Length) > AgentWire.MaxUnacknowledgedOutput)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        if (!_events.Writer.TryWrite(new Event(stream, buffer, data.Length)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return true;
    }

    /// <summary>False when the credit would exceed the window (more credited than was ever sent).</summary>
    public bool OnStdinCredit(uint bytes) => _stdinCredit.Add(bytes);

    public void OnExit(int code)
    {
        End();
        _events.Writer.TryWrite(new Event(0, null, code));
        _events.Writer.TryComplete();
    }

    public void OnSandboxGone()
    {
        if (!_spawned.Task.IsCompleted)
        {
            OnSpawnFailed(new SandboxRuntimeException("the sandbox is gone (its agent ended)"));
            return;
        }
        OnExit(SandboxGoneExitCode);
    }

    private void End()
    {
        Volatile.Write(ref _ended, 1);
        _stdinCredit.Close();
    }

    private async Task PumpAsync()
    {
        var reader = _events.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                if (item.Buffer is null)
                {
                    await DeliverAsync(_sink.OnExitAsync(item.LengthOrCode)).ConfigureAwait(false);
                    return;
                }
                try
                {
                    await DeliverAsync(_sink.OnOutputAsync(item.Stream, item.Buffer.AsMemory(0, item.LengthOrCode))).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                    Interlocked.Add(ref _queuedOutput, -item.LengthOrCode);
                }
                try
                {
                    await _channel.SendUInt32Async(AgentWire.OutputAck, _id, (uint)item.LengthOrCode, CancellationToken.None).ConfigureAwait(false);
                }
                catch (SandboxRuntimeException)
                {
                    // The sandbox is gone; the exit event that follows ends this pump.
                }
            }
        }
    }

    /// <summary>
    /// A sink that throws (e.g. its WebSocket closed) must not stop the pump: the exec would stall forever on
    /// unacknowledged output. Its output is then dropped, like a reader that went away.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "Any sink failure is contained to that sink.")]
    private static async ValueTask DeliverAsync(ValueTask delivery)
    {
        try
        {
            await delivery.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Dropped on purpose (see above).
        }
    }

    /// <summary>Output (<see cref="Buffer"/> set) or the exit (<see cref="Buffer"/> null, <see cref="LengthOrCode"/> = code).</summary>
    private readonly record struct Event(int Stream, byte[]? Buffer, int LengthOrCode);
}
