using System.Buffers;
using System.Buffers.Binary;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// The pipe pair to one sandbox's agent: serialises request frames, reads event frames on one loop, and
/// dispatches them to the waiting request or the exec they belong to. Dispatch never awaits a consumer:
/// output is copied into a pooled buffer and queued to the exec's own pump, whose pace is enforced by the
/// agent's per-exec output window (acknowledged after each chunk is consumed).
/// The agent runs as the sandbox's uid, so everything it sends is untrusted: every frame is checked against the
/// protocol (<see cref="AgentWire.Validate"/>), per-exec queues are held to the window the agent must respect, and
/// the first violation ends the channel with <see cref="FailureReason"/> set, which fails the sandbox.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim holds no OS handle unless AvailableWaitHandle is used, which it is not.")]
internal sealed class AgentChannel
{
    private const int ReadBufferSize = 2 * (AgentWire.HeaderSize + AgentWire.MaxPayload);
    private const int WriteScratchSize = 64 * 1024;

    private readonly Stream _toAgent;
    private readonly Stream _fromAgent;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _writeScratch = new byte[WriteScratchSize];
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, AgentRequest> _requests = [];
    private readonly Dictionary<uint, BubblewrapProcess> _processes = [];
    private readonly Action<string> _log;
    private uint _nextId;
    private bool _closed;
    private string? _failure;

    public AgentChannel(Stream toAgent, Stream fromAgent, Action<string> log)
    {
        _toAgent = toAgent;
        _fromAgent = fromAgent;
        _log = log;
        AgentPipes.Enlarge(toAgent);
        AgentPipes.Enlarge(fromAgent);
        Completion = Task.Run(ReadLoopAsync);
    }

    /// <summary>Completes when the agent's output ended (the sandbox is gone). Never faults.</summary>
    public Task Completion { get; }

    /// <summary>Why the channel was ended by the host (the agent broke the protocol), or null.</summary>
    public string? FailureReason => Volatile.Read(ref _failure);

    /// <summary>Ids are shared by requests and execs, so an error frame always names exactly one of them.</summary>
    public uint NextId() => Interlocked.Increment(ref _nextId);

    public void Register(uint id, AgentRequest request)
    {
        lock (_gate)
        {
            if (_closed)
            {
                throw Gone();
            }

            _requests.Add(id, request);
        }
    }

    public void Register(uint id, BubblewrapProcess process)
    {
        lock (_gate)
        {
            if (_closed)
            {
                throw Gone();
            }

            _processes.Add(id, process);
        }
    }

    public void Unregister(uint id)
    {
        lock (_gate)
        {
            _requests.Remove(id);
        }
    }

    /// <summary>Sends a request and awaits its answer; the agent processes requests in order.</summary>
    public async Task<T> RequestAsync<T>(AgentRequest<T> request, byte type, ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var id = NextId();
        Register(id, request);
        try
        {
            await SendAsync(type, id, prefix, data, cancellationToken).ConfigureAwait(false);
            return await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Unregister(id);
        }
    }

    /// <summary>Writes one frame. Cancellation is honoured only before the frame starts: a half-written frame would corrupt the stream.</summary>
    public async ValueTask SendAsync(byte type, uint id, ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var payloadLength = prefix.Length + data.Length;
        if (payloadLength > AgentWire.MaxPayload)
        {
            throw new ArgumentOutOfRangeException(nameof(data), "frame payload too large");
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            AgentWire.WriteHeader(_writeScratch, type, id, payloadLength);
            var used = AgentWire.HeaderSize;
            if (used + prefix.Length <= WriteScratchSize)
            {
                prefix.Span.CopyTo(_writeScratch.AsSpan(used));
                used += prefix.Length;
                prefix = ReadOnlyMemory<byte>.Empty;
            }
            if (prefix.IsEmpty && used + data.Length <= WriteScratchSize)
            {
                data.Span.CopyTo(_writeScratch.AsSpan(used));
                used += data.Length;
                data = ReadOnlyMemory<byte>.Empty;
            }
            await _toAgent.WriteAsync(_writeScratch.AsMemory(0, used), CancellationToken.None).ConfigureAwait(false);
            if (!prefix.IsEmpty)
            {
                await _toAgent.WriteAsync(prefix, CancellationToken.None).ConfigureAwait(false);
            }

            if (!data.IsEmpty)
            {
                await _toAgent.WriteAsync(data, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (IOException e)
        {
            throw new SandboxRuntimeException("the sandbox is gone (its agent stopped reading)", e);
        }
        catch (ObjectDisposedException e)
        {
            throw new SandboxRuntimeException("the sandbox is gone", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A frame whose payload is one u32 (acks, signals), without allocating.</summary>
    public async ValueTask SendUInt32Async(byte type, uint id, uint value, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            AgentWire.WriteHeader(_writeScratch, type, id, 4);
            BinaryPrimitives.WriteUInt32LittleEndian(_writeScratch.AsSpan(AgentWire.HeaderSize), value);
            await _toAgent.WriteAsync(_writeScratch.AsMemory(0, AgentWire.HeaderSize + 4), CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new SandboxRuntimeException("the sandbox is gone (its agent stopped reading)", e);
        }
        catch (ObjectDisposedException e)
        {
            throw new SandboxRuntimeException("the sandbox is gone", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                while (end - start >= 4)
                {
                    var length = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(start));
                    if (length < 5 || length > 5 + AgentWire.MaxPayload)
                    {
                        Violation($"a frame of length {length} (the protocol allows 5 to {5 + AgentWire.MaxPayload})");
                        return;
                    }
                    if (end - start < 4 + (int)length)
                    {
                        break;
                    }

                    if (DispatchChecked(buffer.AsSpan(start + 4, (int)length)) is { } problem)
                    {
                        Violation(problem);
                        return;
                    }
                    start += 4 + (int)length;
                }
                if (start == end)
                {
                    start = end = 0;
                }
                else if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }
                var read = await _fromAgent.ReadAsync(buffer.AsMemory(end)).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                end += read;
            }
        }
        catch (IOException)
        {
            // The pipe broke: same as EOF, the sandbox is gone.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Close();
        }
    }

    private void Violation(string problem)
    {
        Interlocked.CompareExchange(ref _failure, "the sandbox agent broke the protocol (" + problem + "); the sandbox was stopped", null);
        _log("the sandbox agent broke the protocol: " + problem);
    }

    /// <summary>Validates and dispatches one frame; returns what is wrong with it, or null. Never throws.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "Any failure to handle an untrusted frame fails that sandbox, never the read loop.")]
    private string? DispatchChecked(ReadOnlySpan<byte> frame)
    {
        if (AgentWire.Validate(frame[0], frame.Length - 5) is { } problem)
        {
            return problem;
        }

        try
        {
            return Dispatch(frame);
        }
        catch (Exception e)
        {
            return $"event 0x{frame[0]:x2} could not be handled: {e.GetType().Name}";
        }
    }

    private string? Dispatch(ReadOnlySpan<byte> frame)
    {
        var type = frame[0];
        var id = BinaryPrimitives.ReadUInt32LittleEndian(frame[1..]);
        var payload = frame[5..];
        if (type == AgentWire.Log)
        {
            _log(System.Text.Encoding.UTF8.GetString(payload));
            return null;
        }
        AgentRequest? request;
        BubblewrapProcess? process;
        lock (_gate)
        {
            _requests.TryGetValue(id, out request);
            _processes.TryGetValue(id, out process);
        }
        if (request is not null)
        {
            if (request.OnFrame(type, payload))
            {
                Unregister(id);
            }

            return null;
        }
        if (process is null)
        {
            return null; // a late event of an exec that already ended (e.g. a credit): nothing waits for it
        }

        switch (type)
        {
            case AgentWire.Spawned:
                process.OnSpawned(BinaryPrimitives.ReadInt32LittleEndian(payload));
                break;
            case AgentWire.Output:
                if (payload[0] is not (1 or 2))
                {
                    return $"output of exec {id} on stream {payload[0]} (expected 1 or 2)";
                }

                if (payload[0] == 2 && process.Terminal is not null)
                {
                    return $"stderr output of exec {id}, which runs on a terminal (its output is stream 1 only)";
                }

                if (!process.OnOutput(payload[0], payload[1..]))
                {
                    return $"exec {id} sent more than {AgentWire.MaxUnacknowledgedOutput} bytes of output the host had not acknowledged";
                }

                break;
            case AgentWire.StdinCredit:
                if (!process.OnStdinCredit(BinaryPrimitives.ReadUInt32LittleEndian(payload)))
                {
                    return $"exec {id} credited more stdin than the host had sent";
                }

                break;
            case AgentWire.Exit:
                RemoveProcess(id);
                process.OnExit(BinaryPrimitives.ReadInt32LittleEndian(payload));
                break;
            case AgentWire.Error:
                RemoveProcess(id);
                var (code, message) = AgentWire.DecodeError(payload);
                process.OnSpawnFailed(new SandboxRuntimeException($"could not start the command: {code} {message}"));
                break;
        }
        return null;
    }

    private void RemoveProcess(uint id)
    {
        lock (_gate)
        {
            _processes.Remove(id);
        }
    }

    private void Close()
    {
        AgentRequest[] requests;
        BubblewrapProcess[] processes;
        lock (_gate)
        {
            _closed = true;
            requests = [.. _requests.Values];
            processes = [.. _processes.Values];
            _requests.Clear();
            _processes.Clear();
        }
        foreach (var request in requests)
        {
            request.Fail(Gone());
        }

        foreach (var process in processes)
        {
            process.OnSandboxGone();
        }
    }

    private static SandboxRuntimeException Gone() => new("the sandbox is gone (its agent ended)");
}
