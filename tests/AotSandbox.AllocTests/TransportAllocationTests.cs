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
    private const int N = 1_000;

    /// <summary>
    /// Measured rounds. GC.GetTotalAllocatedBytes counts the whole process, and the test host allocates on its own
    /// threads now and then (measured: reflection/JSON bursts of 300-700 KB, stray 56-byte objects, the thread pool's
    /// new workers ≈ 2 KB, and 168 B every 100 ms while the test thread only sleeps). That noise only ever adds, so the
    /// quietest round of each size is compared, and windows are kept short in time (N small: 2N sends take ≈ 10 ms
    /// on a quiet machine, well under the 100 ms period) with many rounds, so quiet rounds exist even when a loaded
    /// machine stretches every round. Anything that scales with the message count cannot hide: one 24-byte object per
    /// 1000 messages already makes every 2N round at least 24 B heavier than the quietest N round.
    /// </summary>
    private const int Rounds = 30;
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
        using var peer = new LoopbackPeer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken token = timeout.Token;
        await using IMessageTransport client = await peer.ConnectAsync(token);

        byte[] one = [0x81, (byte)Message.Length, .. Message];
        byte[] blockN = LoopbackPeer.Repeat(one, N);
        byte[] block2N = LoopbackPeer.Repeat(one, 2 * N);

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

    /// <summary>The batch path (what the session's receive loop runs): one await per read, the rest synchronous.</summary>
    [OptimizedBuildFact]
    public async Task Receive_BatchedPerRead_ZeroAllocationSteadyState()
    {
        using var peer = new LoopbackPeer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken token = timeout.Token;
        await using IMessageTransport client = await peer.ConnectAsync(token);

        byte[] one = [0x81, (byte)Message.Length, .. Message];
        byte[] blockN = LoopbackPeer.Repeat(one, N);
        byte[] block2N = LoopbackPeer.Repeat(one, 2 * N);

        for (int warm = 0; warm < 4; warm++)
        {
            await ReceiveBatchedAsync(client, peer, blockN, N, token);
        }

        var deltaN = new List<long>();
        var delta2N = new List<long>();
        int batched = 0;
        for (int round = 0; round < Rounds; round++)
        {
            (long allocated, int fromBatch) = await ReceiveBatchedAsync(client, peer, blockN, N, token);
            deltaN.Add(allocated);
            (allocated, int fromBatch2) = await ReceiveBatchedAsync(client, peer, block2N, 2 * N, token);
            delta2N.Add(allocated);
            batched += fromBatch + fromBatch2;
        }

        AssertNoPerMessageAllocation("batched receive", deltaN, delta2N);

        // The path under test must really have run: most messages of a 100+ KB burst come without an await.
        Assert.True(batched > Rounds * 3 * N / 2, $"only {batched} of {Rounds * 3 * N} messages came from TryReceiveBuffered");
    }

    [OptimizedBuildFact]
    public async Task SendText_ZeroAllocationSteadyState()
    {
        using var peer = new LoopbackPeer();
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

    /// <summary>
    /// The file.binary send (docs/PROTOCOL.md §4.7): an envelope head and a 128 KiB body copied straight into the pipe in
    /// large pieces and masked there. Fewer messages per round than the text paths (each one is 128 KiB on the wire).
    /// </summary>
    [OptimizedBuildFact]
    public async Task SendBinary_HeadAndLargeBody_ZeroAllocationSteadyState()
    {
        const int Count = 100; // 2 x 12.5 MiB per 2N round: short in time, like the text rounds
        using var peer = new LoopbackPeer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        CancellationToken token = timeout.Token;
        await using IMessageTransport client = await peer.ConnectAsync(token);
        peer.StartDraining();
        ReadOnlyMemory<byte> head = new byte[40];
        ReadOnlyMemory<byte> body = RandomNumberGenerator.GetBytes(128 * 1024);

        for (int warm = 0; warm < 4; warm++)
        {
            await SendBinaryAsync(client, head, body, Count, token);
        }

        var deltaN = new List<long>();
        var delta2N = new List<long>();
        for (int round = 0; round < Rounds; round++)
        {
            deltaN.Add(await SendBinaryAsync(client, head, body, Count, token));
            delta2N.Add(await SendBinaryAsync(client, head, body, 2 * Count, token));
        }

        AssertNoPerMessageAllocation("binary send", deltaN, delta2N, Count);
        long expectedBytes = (4L + (3L * Rounds)) * Count * (head.Length + body.Length + 14); // 2 + 8 (64-bit length) + 4 (mask)
        SpinWait.SpinUntil(() => peer.Drained >= expectedBytes, TimeSpan.FromSeconds(20));
        Assert.Equal(expectedBytes, peer.Drained);
    }

    private static void AssertNoPerMessageAllocation(string path, List<long> deltaN, List<long> delta2N, int n = N)
    {
        long difference = delta2N.Min() - deltaN.Min();
        Assert.True(
            difference == 0,
            $"{path}: {n} messages allocated [{string.Join(", ", deltaN)}] B, {2 * n} allocated [{string.Join(", ", delta2N)}] B; quietest rounds differ by {difference} B.");
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> SendBinaryAsync(IMessageTransport client, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, int count, CancellationToken token)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < count; i++)
        {
            await client.SendBinaryAsync(head, body, token).ConfigureAwait(false);
        }

        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    // Pooled like the SDK's own methods, so the measuring loop itself does not allocate a box per round; and
    // ConfigureAwait(false) because xunit's SynchronizationContext allocates for every continuation posted to it.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> ReceiveAsync(IMessageTransport client, LoopbackPeer peer, byte[] block, int count, CancellationToken token)
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
    private static async ValueTask<(long Allocated, int FromBatch)> ReceiveBatchedAsync(IMessageTransport client, LoopbackPeer peer, byte[] block, int count, CancellationToken token)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        peer.Send(block);
        long bytes = 0;
        int received = 0;
        int fromBatch = 0;
        while (received < count)
        {
            TransportMessage message = await client.ReceiveAsync(token).ConfigureAwait(false);
            while (true)
            {
                bytes += message.Payload.Length;
                client.ReleaseMessage();
                if (++received == count || !client.TryReceiveBuffered(out message))
                {
                    break;
                }

                fromBatch++;
            }
        }

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal((long)count * Message.Length, bytes);
        return (allocated, fromBatch);
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
}
