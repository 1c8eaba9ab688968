using System.Net;
using System.Net.Sockets;
using AotSandbox.Transport;

namespace AotSandbox.AllocTests;

/// <summary>
/// A loopback server whose per-message work happens on its own thread with blocking socket calls,
/// so it allocates nothing per message and its allocations do not vary with N.
/// </summary>
internal sealed class LoopbackPeer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly SemaphoreSlim _sendRequested = new(0);
    private Socket? _socket;
    private byte[]? _pending;
    private long _drained;

    public LoopbackPeer() => _listener.Start();

    public long Drained => Interlocked.Read(ref _drained);

    public async Task<IMessageTransport> ConnectAsync(CancellationToken token)
    {
        int port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Task<Socket> accept = _listener.AcceptSocketAsync(token).AsTask();
        ValueTask<IMessageTransport> connect = WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/exec"), new WebSocketClientOptions(), token);
        _socket = await accept;
        Handshake(_socket);
        IMessageTransport client = await connect;
        StartWriter();
        return client;
    }

    /// <summary>The ws:// address a client (e.g. the SDK's own connect) should dial.</summary>
    public Uri Endpoint => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/api/v1/namespaces/ns/sandboxes/sb-test/exec");

    /// <summary>
    /// Accepts one client that dials <see cref="Endpoint"/> by itself, completes the upgrade, sends
    /// <paramref name="greeting"/> (already framed) and starts the writer and a reader that discards what the client sends.
    /// </summary>
    public Task AcceptAsync(byte[] greeting, CancellationToken token) => Task.Run(
        async () =>
        {
            _socket = await _listener.AcceptSocketAsync(token);
            Handshake(_socket);
            _socket.Send(greeting);
            StartWriter();
            StartDraining();
        },
        token);

    /// <summary>An unmasked (server-to-client) text frame.</summary>
    public static byte[] TextFrame(ReadOnlySpan<byte> payload)
    {
        int header = payload.Length <= 125 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        byte[] frame = new byte[header + payload.Length];
        frame[0] = 0x81;
        if (header == 2)
        {
            frame[1] = (byte)payload.Length;
        }
        else if (header == 4)
        {
            frame[1] = 126;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 127;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    /// <summary>The concatenation of <paramref name="frames"/>, cycled until <paramref name="count"/> frames.</summary>
    public static byte[] Repeat(byte[][] frames, int count)
    {
        using var block = new MemoryStream();
        for (int i = 0; i < count; i++)
        {
            block.Write(frames[i % frames.Length]);
        }

        return block.ToArray();
    }

    public static byte[] Repeat(byte[] frame, int count) => Repeat([frame], count);

    /// <summary>Writes the block from the peer thread (returns at once; the client receive loop consumes it).</summary>
    public void Send(byte[] block)
    {
        Volatile.Write(ref _pending, block);
        _sendRequested.Release();
    }

    public void StartDraining() => PeerLoops.StartReader("alloc-test peer reader", _socket!, read => Interlocked.Add(ref _drained, read));

    public void Dispose()
    {
        _socket?.Dispose();
        _listener.Stop();
        _sendRequested.Dispose();
    }

    private void StartWriter() =>
        PeerLoops.StartWriter("alloc-test peer writer", _socket!, _sendRequested, () => Volatile.Read(ref _pending)!);

    private static void Handshake(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: false);
        PeerLoops.AnswerUpgrade(stream);
    }
}
