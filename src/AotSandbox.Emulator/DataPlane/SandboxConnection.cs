using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// One client WebSocket. A single writer loop owns every send (frames and the close frame), fed by a bounded queue:
/// senders wait when it is full (backpressure reaches the sandbox process), and a queue that stays full for
/// <c>StuckClientTimeout</c> closes the connection with 1008, so one client that stopped reading cannot hold memory
/// or stall a process forever.
/// </summary>
internal sealed class SandboxConnection : IDisposable
{
    private static long s_nextId;

    private readonly WebSocket _socket;
    private readonly TimeSpan _stuckTimeout;
    private readonly Channel<OutgoingMessage> _outgoing = Channel.CreateBounded<OutgoingMessage>(new BoundedChannelOptions(DataPlaneLimits.OutgoingQueueFrames)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _abort = new();
    // Serialises RequestClose's cancellations with Dispose: DELETE closes every connection of a sandbox while each
    // connection's own handler may be disposing it, and a Cancel on a disposed source throws (a 500 on DELETE, seen
    // under the burst soak).
    private readonly object _lifecycle = new();
    private bool _disposed;
    private int _closeRequested;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = string.Empty;
    private bool _drainBeforeClose;
    private byte[] _receiveBuffer = ArrayPool<byte>.Shared.Rent(4096);
    private bool _keepBuffers;

    public SandboxConnection(WebSocket socket, TimeSpan stuckTimeout)
    {
        _socket = socket;
        _stuckTimeout = stuckTimeout;
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>For logs.</summary>
    public long Id { get; }

    /// <summary>Cancelled once a close was requested (by either side); work done on behalf of this connection stops.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>The close code sent (or to be sent), for logs and tests.</summary>
    public WebSocketCloseStatus CloseStatus => _closeStatus;

    /// <summary>Whether the last message <see cref="ReceiveAsync"/> returned was a binary one (else text).</summary>
    public bool LastMessageBinary { get; private set; }

    /// <summary>Queues a text frame; waits while the queue is full. Frames sent after a close request are dropped.</summary>
    public ValueTask SendAsync(byte[] frame) => SendAsync(OutgoingMessage.Text(frame));

    /// <summary>Queues a message; waits while the queue is full. Messages sent after a close request are dropped (a pooled one released).</summary>
    public async ValueTask SendAsync(OutgoingMessage frame)
    {
        if (_outgoing.Writer.TryWrite(frame))
        {
            return;
        }

        if (Volatile.Read(ref _closeRequested) != 0)
        {
            frame.Release();
            return;
        }

        CancellationTokenSource stuck;
        lock (_lifecycle)
        {
            if (_disposed)
            {
                frame.Release();
                return; // the handler ended: the frame has nowhere to go
            }

            stuck = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        }

        using var stuckScope = stuck;
        stuck.CancelAfter(_stuckTimeout);
        try
        {
            await _outgoing.Writer.WriteAsync(frame, stuck.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_closing.IsCancellationRequested)
        {
            frame.Release();
            RequestClose(WebSocketCloseStatus.PolicyViolation, "client stopped reading: outgoing queue full for too long", drain: false);
        }
        catch (OperationCanceledException)
        {
            frame.Release(); // closing anyway; the frame has nowhere to go
        }
        catch (ChannelClosedException)
        {
            frame.Release(); // same: the connection is closing
        }
    }

    /// <summary>
    /// Asks the writer loop to close with <paramref name="status"/> after sending what is queued (when
    /// <paramref name="drain"/>) or right away. Only the first request counts. A watchdog aborts the transport if the
    /// close cannot complete (a peer that reads nothing cannot receive a close frame either).
    /// </summary>
    public void RequestClose(WebSocketCloseStatus status, string reason, bool drain)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
        {
            return;
        }

        _closeStatus = status;
        _closeReason = reason.Length <= 120 ? reason : reason[..120];
        _drainBeforeClose = drain;
        _outgoing.Writer.TryComplete();
        lock (_lifecycle)
        {
            if (_disposed)
            {
                return;
            }

            _closing.Cancel();
            _abort.CancelAfter(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Sends queued frames until a close is requested, then the close frame. Completes when the socket is done sending.</summary>
    public async Task RunWriterAsync()
    {
        ChannelReader<OutgoingMessage> reader = _outgoing.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out OutgoingMessage frame))
                {
                    if (Volatile.Read(ref _closeRequested) != 0 && !_drainBeforeClose)
                    {
                        frame.Release();
                        goto close;
                    }

                    try
                    {
                        await _socket.SendAsync(frame.Memory, frame.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, endOfMessage: true, _abort.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        frame.Release();
                    }
                }
            }

        close:
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, _abort.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The peer vanished or the watchdog fired: nothing more can be sent.
            _socket.Abort();
        }
        finally
        {
            RequestClose(WebSocketCloseStatus.NormalClosure, string.Empty, drain: false);
        }
    }

    /// <summary>
    /// Receives one complete message (text or binary: both may carry JSON, and a binary one may be a <c>file.binary</c>
    /// envelope; <see cref="LastMessageBinary"/> tells which kind it was). Returns null when the peer closed or the
    /// connection is being torn down; throws <see cref="MessageTooBigException"/> past <paramref name="maxBytes"/>
    /// (<see cref="DataPlaneLimits.MaxInboundMessageBytes"/> by default). The returned memory is valid until the next call.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken, int maxBytes = DataPlaneLimits.MaxInboundMessageBytes)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
        int length = 0;
        try
        {
            while (true)
            {
                if (length >= maxBytes)
                {
                    throw new MessageTooBigException(maxBytes);
                }

                if (length == _receiveBuffer.Length)
                {
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(length * 2, maxBytes));
                    _receiveBuffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(_receiveBuffer);
                    _receiveBuffer = bigger;
                }

                // Never more than maxBytes in the buffer (a rented array may be larger than asked for).
                Memory<byte> free = _receiveBuffer.AsMemory(length, Math.Min(_receiveBuffer.Length, maxBytes) - length);
                ValueWebSocketReceiveResult result = await _socket.ReceiveAsync(free, linked.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    LastMessageBinary = result.MessageType == WebSocketMessageType.Binary;
                    return _receiveBuffer.AsMemory(0, length);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>
    /// Hands the array holding the last received message to the caller (who returns it to <see cref="ArrayPool{T}.Shared"/>
    /// when done) and takes a fresh one of the same size for the next receive: a binary file chunk goes to the sandbox
    /// from the bytes the WebSocket unmasked, without a copy, while the reader goes on receiving.
    /// </summary>
    public byte[] DetachReceiveBuffer()
    {
        byte[] detached = _receiveBuffer;
        _receiveBuffer = ArrayPool<byte>.Shared.Rent(detached.Length);
        return detached;
    }

    /// <summary>A receive may still be pending when the handler ends (auth timeout): leave its buffer to the GC, never to the pool.</summary>
    public void KeepBuffersUntilCollected() => _keepBuffers = true;

    /// <summary>Ends the connection's resources once its handler finished (late <see cref="SendAsync(OutgoingMessage)"/> calls return at once: a close was requested).</summary>
    public void Dispose()
    {
        RequestClose(WebSocketCloseStatus.NormalClosure, string.Empty, drain: false);
        lock (_lifecycle)
        {
            _disposed = true;
            _closing.Dispose();
            _abort.Dispose();
        }

        if (_keepBuffers)
        {
            return;
        }

        byte[] buffer = Interlocked.Exchange(ref _receiveBuffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>A client message exceeded <see cref="DataPlaneLimits.MaxInboundMessageBytes"/>.</summary>
internal sealed class MessageTooBigException : Exception
{
    public MessageTooBigException(int limit = DataPlaneLimits.MaxInboundMessageBytes)
        : base(limit >= 1024 * 1024 ? $"message larger than {limit / (1024 * 1024)} MiB" : $"message larger than {limit / 1024} KiB")
    {
    }
}
