using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using AotSandbox.Protocol.WebSocket;
using AotSandbox.Transport;

namespace AotSandbox.AllocTests;

/// <summary>
/// Proves the steady-state receive and send paths allocate nothing: the bytes allocated for 2N messages equal those
/// for N messages, exactly. The peer is a blocking socket on a dedicated thread so it allocates nothing per message
/// either (GC.GetTotalAllocatedBytes counts every thread).
/// </summary>
public sealed class TransportAllocationTests
{
    private const int N = 5_000;

    /// <summary>
    /// Measured rounds. GC.GetTotalAllocatedBytes counts the whole process, and the test host allocates on its own
    /// threads now and then (measured: reflection/JSON bursts of 300-700 KB, and stray 56-byte objects; the thread
    /// pool's new workers ≈ 2 KB). That noise only ever adds, so the quietest round of each size is compared, and
    /// windows are kept short (N small) so quiet rounds exist. Anything that scales with the message count cannot
    /// hide: one 24-byte object per 1000 messages already makes every 2N round at least 120 B heavier than any N round.
    /// </summary>
    private const int Rounds = 10;
    private static readonly byte[] Message = "{\"type\":\"exec.output\",\"execId\":\"e1\",\"stream\":\"stdout\",\"data\":\"hello\"}"u8.ToArray();

    [Fact]
    public void FrameParser_Masking_Utf8Validation_AllocateNothing()
    {
        byte[] frames = [0x81, 0x05, .. "hello"u8, 0x82, 0x7E, 0x01, 0x00, 0x89, 0xFE, 0x01, 0x00, 1, 2, 3, 4];
        var sequence = new ReadOnlySequence<byte>(frames);
        byte[] text = Encoding.UTF8.GetBytes("héllo wörld 🙂 and some ascii to fill a vector or two");
        var textSequence = new ReadOnlySequence<byte>(text);
        long checksum = 0;
        for (int warm = 0; warm < 2; warm++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                WebSocketFrameParser.TryParse(frames, out WebSocketFrameHeader header, out int consumed);
                checksum += header.PayloadLength + consumed;
                WebSocketFrameParser.TryParse(sequence, out header, out consumed);
                checksum += header.PayloadLength;
                WebSocketFrameParser.TryParse(frames.AsSpan(7), out header, out _);
                checksum += header.PayloadLength;
                WebSocketFrameParser.TryParse(frames.AsSpan(11), expectMasked: true, out header, out _, out _);
                checksum += header.MaskKey;
                WebSocketMasking.Mask(text, 0x01020304, i);
                WebSocketMasking.Mask(text, 0x01020304, i);
                checksum += Utf8Validation.IsValid(textSequence) ? 1 : 0;
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (warm == 1)
            {
                Assert.Equal(0, allocated);
            }
        }

        Assert.NotEqual(0, checksum);
    }

    [OptimizedBuildFact]
    public async Task Receive_SingleFrameTextMessages_ZeroAllocationSteadyState()
    {
        using var peer = new BlockingPeer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken token = timeout.Token;
        await using IMessageTransport client = await peer.ConnectAsync(token);

        byte[] one = [0x81, (byte)Message.Length, .. Message];
        byte[] blockN = Repeat(one, N);
        byte[] block2N = Repeat(one, 2 * N);

        for (int warm = 0; warm < 4; warm++)
        {
            await ReceiveAsync(client, peer, blockN, N, token);
        }

        var deltaN = new List<long>();
        var delta2N = new List<long>();
        for (int round = 0; round < Rounds; round++)
        {
            deltaN.Add(await ReceiveAsync(client, peer, blockN, N, token));
            delta2N.Add(await ReceiveAsync(client, peer, block2N, 2 * N, token));
        }

        AssertNoPerMessageAllocation("receive", deltaN, delta2N);
    }

    [OptimizedBuildFact]
    public async Task SendText_ZeroAllocationSteadyState()
    {
        using var peer = new BlockingPeer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken token = timeout.Token;
        await using IMessageTransport client = await peer.ConnectAsync(token);
        peer.StartDraining();
        ReadOnlyMemory<byte> payload = Message;

        for (int warm = 0; warm < 4; warm++)
        {
            await SendAsync(client, payload, N, token);
        }

        var deltaN = new List<long>();
        var delta2N = new List<long>();
        for (int round = 0; round < Rounds; round++)
        {
            deltaN.Add(await SendAsync(client, payload, N, token));
            delta2N.Add(await SendAsync(client, payload, 2 * N, token));
        }

        AssertNoPerMessageAllocation("send", deltaN, delta2N);
        long expectedBytes = (4L + (3L * Rounds)) * N * (Message.Length + 6);
        SpinWait.SpinUntil(() => peer.Drained >= expectedBytes, TimeSpan.FromSeconds(10));
        Assert.Equal(expectedBytes, peer.Drained);
    }

    private static void AssertNoPerMessageAllocation(string path, List<long> deltaN, List<long> delta2N)
    {
        long difference = delta2N.Min() - deltaN.Min();
        Assert.True(
            difference == 0,
            $"{path}: {N} messages allocated [{string.Join(", ", deltaN)}] B, {2 * N} allocated [{string.Join(", ", delta2N)}] B; quietest rounds differ by {difference} B.");
    }

    // Pooled like the SDK's own methods, so the measuring loop itself does not allocate a box per round; and
    // ConfigureAwait(false) because xunit's SynchronizationContext allocates for every continuation posted to it.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> ReceiveAsync(IMessageTransport client, BlockingPeer peer, byte[] block, int count, CancellationToken token)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        peer.Send(block);
        long bytes = 0;
        for (int i = 0; i < count; i++)
        {
            TransportMessage message = await client.ReceiveAsync(token).ConfigureAwait(false);
            bytes += message.Payload.Length;
            client.ReleaseMessage();
        }

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal((long)count * Message.Length, bytes);
        return allocated;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> SendAsync(IMessageTransport client, ReadOnlyMemory<byte> payload, int count, CancellationToken token)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < count; i++)
        {
            await client.SendTextAsync(payload, token).ConfigureAwait(false);
        }

        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    private static byte[] Repeat(byte[] frame, int count)
    {
        byte[] block = new byte[frame.Length * count];
        for (int i = 0; i < count; i++)
        {
            frame.CopyTo(block, i * frame.Length);
        }

        return block;
    }

    /// <summary>
    /// A loopback server whose per-message work happens on its own thread with blocking socket calls,
    /// so it allocates nothing per message and its allocations do not vary with N.
    /// </summary>
    private sealed class BlockingPeer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly SemaphoreSlim _sendRequested = new(0);
        private Socket? _socket;
        private byte[]? _pending;
        private long _drained;

        public BlockingPeer() => _listener.Start();

        public long Drained => Interlocked.Read(ref _drained);

        public async Task<IMessageTransport> ConnectAsync(CancellationToken token)
        {
            int port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            Task<Socket> accept = _listener.AcceptSocketAsync(token).AsTask();
            ValueTask<IMessageTransport> connect = WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/exec"), new WebSocketClientOptions(), token);
            _socket = await accept;
            Handshake(_socket);
            IMessageTransport client = await connect;
            new Thread(SendLoop) { IsBackground = true, Name = "alloc-test peer writer" }.Start();
            return client;
        }

        /// <summary>Writes the block from the peer thread (returns at once; the client receive loop consumes it).</summary>
        public void Send(byte[] block)
        {
            Volatile.Write(ref _pending, block);
            _sendRequested.Release();
        }

        public void StartDraining() => new Thread(DrainLoop) { IsBackground = true, Name = "alloc-test peer reader" }.Start();

        public void Dispose()
        {
            _socket?.Dispose();
            _listener.Stop();
            _sendRequested.Dispose();
        }

        private static void Handshake(Socket socket)
        {
            byte[] buffer = new byte[4096];
            int length = 0;
            int end;
            while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                length += socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
            }

            string head = Encoding.ASCII.GetString(buffer, 0, end);
            string key = head.Split("\r\n").Single(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
#pragma warning disable CA5350 // RFC 6455 accept computation, written independently of the SDK's.
            string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
            socket.Send(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
        }

        private void SendLoop()
        {
            try
            {
                while (true)
                {
                    _sendRequested.Wait();
                    byte[] block = Volatile.Read(ref _pending)!;
                    int sent = 0;
                    while (sent < block.Length)
                    {
                        sent += _socket!.Send(block, sent, block.Length - sent, SocketFlags.None);
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }

        private void DrainLoop()
        {
            byte[] buffer = new byte[256 * 1024];
            try
            {
                int read;
                while ((read = _socket!.Receive(buffer)) > 0)
                {
                    Interlocked.Add(ref _drained, read);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
