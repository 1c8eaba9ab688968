using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using AotSandbox.Protocol.WebSocket;
using AotSandbox.Tests.Transport.Support;
using AotSandbox.Transport;
using static AotSandbox.Tests.Transport.Support.ServerFrames;

namespace AotSandbox.Tests.Transport;

/// <summary>
/// <see cref="IMessageTransport.TryReceiveBuffered"/>: every complete message of one read without another read or an
/// await, and everything that is not a plain complete data frame left to ReceiveAsync, which handles it as before.
/// </summary>
public sealed class BatchReceiveTests
{
    private static string TextOf(TransportMessage message) => Encoding.UTF8.GetString(message.Payload);

    [Fact]
    public async Task AllCompleteMessagesOfOneRead_WithoutAnotherRead_PongsSkipped()
    {
        byte[] read = Concat(Text("one"), Text("two"), Frame(PongOp, [1]), Frame(BinaryOp, [7, 8]), Text("four"));
        await using var peer = new ChunkedConnection([read]);
        WebSocketConnection client = peer.Connection;

        Assert.Equal("one", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.True(client.TryReceiveBuffered(out TransportMessage message));
        Assert.Equal("two", TextOf(message));
        Assert.True(client.TryReceiveBuffered(out message));
        Assert.Equal(TransportMessageKind.Binary, message.Kind);
        Assert.Equal(new byte[] { 7, 8 }, message.Payload.ToArray());
        Assert.True(client.TryReceiveBuffered(out message));
        Assert.Equal(TransportMessageKind.Text, message.Kind);
        Assert.Equal("four", TextOf(message));
        Assert.False(client.TryReceiveBuffered(out _));
        Assert.Equal(1, peer.Stream.Reads);

        TransportMessage end = await client.ReceiveAsync(CancellationToken.None);
        Assert.Equal(TransportMessageKind.Closed, end.Kind);
        Assert.Equal(WebSocketCloseCodes.AbnormalClosure, end.CloseCode);
    }

    [Fact]
    public async Task BeforeAnyReceive_OrAfterTheRead_ReturnsFalse()
    {
        await using var peer = new ChunkedConnection([Text("only")]);
        WebSocketConnection client = peer.Connection;

        Assert.False(client.TryReceiveBuffered(out _));
        Assert.Equal(0, peer.Stream.Reads);
        Assert.Equal("only", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.False(client.TryReceiveBuffered(out _));
    }

    [Fact]
    public async Task PingMidBatch_LeftToReceiveAsync_WhichAnswersIt()
    {
        await using var peer = new ChunkedConnection([Concat(Text("a"), Frame(PingOp, [9, 8, 7]), Text("b"))]);
        WebSocketConnection client = peer.Connection;

        Assert.Equal("a", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.False(client.TryReceiveBuffered(out _));
        Assert.Empty(peer.Stream.Written.ToArray());

        Assert.Equal("b", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        byte[] written = peer.Stream.Written.ToArray();
        Assert.Equal(0x8A, written[0]); // FIN + pong, masked, same payload
        Assert.Equal(0x80 | 3, written[1]);
        Assert.Equal(1, CountFrames(written));
    }

    [Fact]
    public async Task InvalidUtf8MidBatch_StillCloses1007()
    {
        await using var peer = new ChunkedConnection([Concat(Text("ok"), Frame(TextOp, [0x61, 0xC3, 0x28]), Text("never"))]);
        WebSocketConnection client = peer.Connection;

        Assert.Equal("ok", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.False(client.TryReceiveBuffered(out _));

        TransportMessage closed = await client.ReceiveAsync(CancellationToken.None);
        Assert.Equal(TransportMessageKind.Closed, closed.Kind);
        Assert.Equal(WebSocketCloseCodes.InvalidPayloadData, closed.CloseCode);
        byte[] written = peer.Stream.Written.ToArray();
        Assert.Equal(0x88, written[0]);
        Assert.Equal(WebSocketCloseCodes.InvalidPayloadData, BinaryPrimitives.ReadUInt16BigEndian(Unmask(written)));
        Assert.False(client.TryReceiveBuffered(out _));
    }

    [Fact]
    public async Task FragmentedMessageMidBatch_ReassembledOnce()
    {
        byte[] read = Concat(
            Text("first"),
            Frame(TextOp, "frag"u8.ToArray(), fin: false),
            Frame(ContinuationOp, "men"u8.ToArray(), fin: false),
            Frame(ContinuationOp, "ted"u8.ToArray()),
            Text("last"));
        await using var peer = new ChunkedConnection([read]);
        WebSocketConnection client = peer.Connection;

        Assert.Equal("first", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.False(client.TryReceiveBuffered(out _)); // took the first fragment, stops at the continuation
        Assert.Equal("fragmented", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.False(client.TryReceiveBuffered(out _)); // a reassembled message ends the batch
        Assert.Equal("last", TextOf(await client.ReceiveAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task PartialFrameAtEndOfRead_CompletedByTheNextRead()
    {
        byte[] third = Text("third message");
        await using var peer = new ChunkedConnection([Concat(Text("1"), Text("2"), third[..5]), third[5..]]);
        WebSocketConnection client = peer.Connection;

        Assert.Equal("1", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.True(client.TryReceiveBuffered(out TransportMessage message));
        Assert.Equal("2", TextOf(message));
        Assert.False(client.TryReceiveBuffered(out _));
        Assert.False(client.TryReceiveBuffered(out _));
        Assert.Equal("third message", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.Equal(2, peer.Stream.Reads);
    }

    [Fact]
    public async Task OversizeMessageMidBatch_StillCloses1009()
    {
        await using var peer = new ChunkedConnection([Concat(Text("small"), Text(new string('x', 200)))], maxMessageBytes: 100);
        WebSocketConnection client = peer.Connection;

        Assert.Equal("small", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.False(client.TryReceiveBuffered(out _));
        TransportMessage closed = await client.ReceiveAsync(CancellationToken.None);
        Assert.Equal(WebSocketCloseCodes.MessageTooBig, closed.CloseCode);
    }

    [Fact]
    public async Task ServerCloseMidBatch_ReportedByReceiveAsync()
    {
        await using var peer = new ChunkedConnection([Concat(Text("x"), CloseFrame(4001, "bye"), Text("after"))]);
        WebSocketConnection client = peer.Connection;

        Assert.Equal("x", TextOf(await client.ReceiveAsync(CancellationToken.None)));
        Assert.False(client.TryReceiveBuffered(out _));
        TransportMessage closed = await client.ReceiveAsync(CancellationToken.None);
        Assert.Equal(TransportMessageKind.Closed, closed.Kind);
        Assert.Equal(4001, closed.CloseCode);
        Assert.Equal("bye", closed.CloseReason);
    }

    [Fact]
    public async Task ReleaseMidBatch_DoesNotAdvanceTheReader()
    {
        await using var peer = new ChunkedConnection([Concat(Text("keep"), Text("next"))]);
        WebSocketConnection client = peer.Connection;

        TransportMessage first = await client.ReceiveAsync(CancellationToken.None);
        client.ReleaseMessage();
        Assert.True(client.TryReceiveBuffered(out TransportMessage second));

        // Released is a promise not to read it, yet the bytes are still there: the reader was not advanced mid-batch.
        Assert.Equal("keep", TextOf(first));
        Assert.Equal("next", TextOf(second));
    }

    private static int CountFrames(byte[] written)
    {
        int count = 0;
        for (int i = 0; i < written.Length; count++)
        {
            WebSocketFrameParser.TryParse(written.AsSpan(i), expectMasked: true, out WebSocketFrameHeader header, out int consumed, out _);
            i += consumed + (int)header.PayloadLength;
        }

        return count;
    }

    private static byte[] Unmask(byte[] frame)
    {
        WebSocketFrameParser.TryParse(frame, expectMasked: true, out WebSocketFrameHeader header, out int consumed, out _);
        byte[] payload = frame.AsSpan(consumed, (int)header.PayloadLength).ToArray();
        WebSocketMasking.Mask(payload, header.MaskKey, 0);
        return payload;
    }
}
