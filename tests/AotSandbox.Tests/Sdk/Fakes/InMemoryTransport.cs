using System.Buffers;
using System.Text;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Sdk.Fakes;

/// <summary>
/// The client end of an in-memory connection: the test plays the server by enqueuing messages and reading what the
/// client sent. Receiving is allocation-free (pre-sized queue + one reusable value-task source), so the allocation
/// test can drive the real receive loop through it.
/// </summary>
internal sealed class InMemoryTransport : IMessageTransport, IValueTaskSource<TransportMessage>
{
    private readonly Lock _gate = new();
    private readonly Queue<(TransportMessageKind Kind, ReadOnlyMemory<byte> Payload)> _inbound = new(capacity: 1 << 16);
    private readonly Channel<string> _sent = Channel.CreateUnbounded<string>();
    private ManualResetValueTaskSourceCore<TransportMessage> _waiter = new() { RunContinuationsAsynchronously = true };
    private bool _waiting;
    private int? _closeCode;

    /// <summary>Called with each client frame (as text), synchronously inside SendTextAsync; may enqueue replies.</summary>
    public Action<InMemoryTransport, string>? OnClientFrame { get; set; }

    /// <summary>Every client frame sent so far, in order.</summary>
    public List<string> Sent { get; } = [];

    public int CloseRequestedCode { get; private set; }

    /// <summary>Whether the receiver is parked in a pending ReceiveAsync (the queue ran dry).</summary>
    public bool IsReceiverWaiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting;
            }
        }
    }

    public bool Disposed { get; private set; }

    /// <summary>Tick counts (Environment.TickCount64) of every ping the client sent, in order.</summary>
    public List<long> PingsSentAt { get; } = [];

    /// <summary>When false, the fake "server" ignores pings (a blackholed path); when true (default) a ping counts as answered.</summary>
    public bool AnswerPings { get; set; } = true;

    private long _lastReceivedAt = Environment.TickCount64;

    public long LastReceivedAt => Volatile.Read(ref _lastReceivedAt);

    public ValueTask SendPingAsync(CancellationToken cancellationToken)
    {
        lock (PingsSentAt)
        {
            PingsSentAt.Add(Environment.TickCount64);
        }

        if (AnswerPings)
        {
            Volatile.Write(ref _lastReceivedAt, Environment.TickCount64); // the pong
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Messages enqueued that the receive loop has not read yet.</summary>
    public int InboundCount
    {
        get
        {
            lock (_gate)
            {
                return _inbound.Count;
            }
        }
    }

    public void Enqueue(string json) => Enqueue(Encoding.UTF8.GetBytes(json));

    /// <summary>The kind messages enqueued from now on carry (Text unless a test plays a server sending Binary).</summary>
    public TransportMessageKind InboundKind { get; set; } = TransportMessageKind.Text;

    public void Enqueue(ReadOnlyMemory<byte> message) => EnqueueMany([message]);

    /// <summary>Enqueues several messages at once (one wake-up of the receive loop).</summary>
    public void EnqueueMany(ReadOnlySpan<ReadOnlyMemory<byte>> messages)
    {
        bool wake = false;
        TransportMessage first = default;
        lock (_gate)
        {
            foreach (ReadOnlyMemory<byte> m in messages)
            {
                _inbound.Enqueue((InboundKind, m));
            }

            if (_waiting && _inbound.Count > 0)
            {
                _waiting = false;
                wake = true;
                first = Next();
            }
        }

        if (wake)
        {
            _waiter.SetResult(first);
        }
    }

    /// <summary>The server closes the connection with this code (after the messages already queued).</summary>
    public void ServerClose(int code)
    {
        bool wake = false;
        lock (_gate)
        {
            _closeCode ??= code;
            if (_waiting && _inbound.Count == 0)
            {
                _waiting = false;
                wake = true;
            }
        }

        if (wake)
        {
            _waiter.SetResult(new TransportMessage(TransportMessageKind.Closed, default, code));
        }
    }

    /// <summary>Waits for the next frame the client sends.</summary>
    public async Task<string> NextSentAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        return await _sent.Reader.ReadAsync(cts.Token);
    }

    public ValueTask<TransportMessage> ReceiveAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_inbound.Count > 0)
            {
                return new ValueTask<TransportMessage>(Next());
            }

            if (_closeCode is { } code)
            {
                return new ValueTask<TransportMessage>(new TransportMessage(TransportMessageKind.Closed, default, code));
            }

            _waiter.Reset();
            _waiting = true;
            return new ValueTask<TransportMessage>(this, _waiter.Version);
        }
    }

    private TransportMessage Next()
    {
        (TransportMessageKind kind, ReadOnlyMemory<byte> payload) = _inbound.Dequeue();
        Volatile.Write(ref _lastReceivedAt, Environment.TickCount64);
        return new TransportMessage(kind, new ReadOnlySequence<byte>(payload));
    }

    public void ReleaseMessage()
    {
    }

    /// <summary>One message per receive here: the batch path is exercised against the real transport (WebSocketConnectionTests).</summary>
    public bool TryReceiveBuffered(out TransportMessage message)
    {
        message = default;
        return false;
    }

    public ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8Payload, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_closeCode is not null)
            {
                throw new InvalidOperationException("closed");
            }
        }

        string text = Encoding.UTF8.GetString(utf8Payload.Span);
        lock (Sent)
        {
            Sent.Add(text);
        }

        _sent.Writer.TryWrite(text);
        OnClientFrame?.Invoke(this, text);
        return ValueTask.CompletedTask;
    }

    /// <summary>Every binary message the client sent (envelope head and body joined), in order.</summary>
    public List<byte[]> SentBinary { get; } = [];

    /// <summary>Called with each binary client message, synchronously inside SendBinaryAsync; may enqueue replies.</summary>
    public Action<InMemoryTransport, byte[]>? OnClientBinary { get; set; }

    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_closeCode is not null)
            {
                throw new InvalidOperationException("closed");
            }
        }

        byte[] message = [.. head.Span, .. body.Span];
        lock (SentBinary)
        {
            SentBinary.Add(message);
        }

        OnClientBinary?.Invoke(this, message);
        return ValueTask.CompletedTask;
    }

    public ValueTask CloseAsync(int closeCode, string? reason, CancellationToken cancellationToken)
    {
        CloseRequestedCode = closeCode;
        ServerClose(closeCode); // the peer echoes the close
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    TransportMessage IValueTaskSource<TransportMessage>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<TransportMessage>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<TransportMessage>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _waiter.OnCompleted(continuation, state, token, flags);
}
