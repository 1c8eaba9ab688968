using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using AotSandbox.Protocol.WebSocket;
using AotSandbox.Tests.Transport.Support;
using AotSandbox.Transport;
using static AotSandbox.Tests.Transport.Support.ServerFrames;

namespace AotSandbox.Tests.Transport;

/// <summary>The client against a hand-driven loopback server: every byte on the wire is chosen by the test.</summary>
public sealed class WebSocketConnectionTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(10));
    private readonly RawWebSocketServer _server = new();

    private CancellationToken Token => _timeout.Token;

    public void Dispose()
    {
        _server.Dispose();
        _timeout.Dispose();
    }

    private async Task<(IMessageTransport Client, RawPeer Peer)> ConnectAsync(int maxMessageBytes = 1024 * 1024, byte[]? sendWithHandshake = null)
    {
        Task<RawPeer> accept = _server.AcceptAsync(Token, sendWithHandshake: sendWithHandshake);
        IMessageTransport client = await WebSocketClient.ConnectAsync(_server.Uri, new WebSocketClientOptions { MaxMessageBytes = maxMessageBytes }, Token);
        return (client, await accept);
    }

    private static string TextOf(TransportMessage message) => Encoding.UTF8.GetString(message.Payload);

    [Fact]
    public async Task Connect_SendsPlainUpgradeRequest()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                Assert.StartsWith("GET /api/v1/namespaces/ns/sandboxes/sb/exec HTTP/1.1\r\nHost: 127.0.0.1:", peer.RequestHead);
                Assert.DoesNotContain("Authorization", peer.RequestHead, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task Receive_FrameSentWithHandshake_IsDelivered()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync(sendWithHandshake: ServerFrames.Text("{\"type\":\"auth.ok\"}"));
        await using (client)
        {
            using (peer)
            {
                TransportMessage message = await client.ReceiveAsync(Token);
                Assert.Equal(TransportMessageKind.Text, message.Kind);
                Assert.Equal("{\"type\":\"auth.ok\"}", TextOf(message));
            }
        }
    }

    [Fact]
    public async Task Receive_SingleFramesOfEveryLengthForm_InOrder()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                int[] sizes = [0, 1, 125, 126, 65535, 65536, 300_000];
                foreach (int size in sizes)
                {
                    await peer.WriteAsync(ServerFrames.Text(new string('x', size)), Token);
                }

                await peer.WriteAsync(Frame(BinaryOp, [1, 2, 3]), Token);
                foreach (int size in sizes)
                {
                    TransportMessage message = await client.ReceiveAsync(Token);
                    Assert.Equal(TransportMessageKind.Text, message.Kind);
                    Assert.Equal(size, message.Payload.Length);
                    client.ReleaseMessage();
                }

                TransportMessage binary = await client.ReceiveAsync(Token);
                Assert.Equal(TransportMessageKind.Binary, binary.Kind);
                Assert.Equal(new byte[] { 1, 2, 3 }, binary.Payload.ToArray());
            }
        }
    }

    [Fact]
    public async Task Receive_FragmentsWithInterleavedPing_ReassemblesAndPongsSamePayload()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                // "héllo wörld" split inside the two-byte 'ö' (C3 B6), with a ping and a pong between fragments.
                byte[] text = Encoding.UTF8.GetBytes("héllo wörld");
                int cut = Array.IndexOf(text, (byte)0xC3, 3) + 1;
                await peer.WriteAsync(Concat(
                    Frame(TextOp, text[..cut], fin: false),
                    Frame(PingOp, [9, 8, 7]),
                    Frame(PongOp, [1]),
                    Frame(ContinuationOp, text[cut..^1], fin: false),
                    Frame(ContinuationOp, text[^1..], fin: true),
                    ServerFrames.Text("next")), Token);

                TransportMessage message = await client.ReceiveAsync(Token);
                Assert.Equal(TransportMessageKind.Text, message.Kind);
                Assert.Equal("héllo wörld", TextOf(message));

                (WebSocketOpcode opcode, bool fin, byte[] payload) = await peer.ReadFrameAsync(Token);
                Assert.Equal(WebSocketOpcode.Pong, opcode);
                Assert.True(fin);
                Assert.Equal(new byte[] { 9, 8, 7 }, payload);

                Assert.Equal("next", TextOf(await client.ReceiveAsync(Token)));
            }
        }
    }

    [Theory]
    [InlineData(1000, "bye")]
    [InlineData(4001, "auth failed")]
    [InlineData(4003, "unsupported version")]
    [InlineData(4004, "not an object")]
    public async Task Receive_ServerClose_ReportsCodeAndEchoesIt(int code, string reason)
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                await peer.WriteAsync(CloseFrame(code, reason), Token);
                TransportMessage closed = await client.ReceiveAsync(Token);
                Assert.Equal(TransportMessageKind.Closed, closed.Kind);
                Assert.Equal(code, closed.CloseCode);
                Assert.Equal(reason, closed.CloseReason);

                (WebSocketOpcode opcode, _, byte[] payload) = await peer.ReadFrameAsync(Token);
                Assert.Equal(WebSocketOpcode.Close, opcode);
                Assert.Equal(code, BinaryPrimitives.ReadUInt16BigEndian(payload));

                // Closed is sticky, and sends are refused.
                Assert.Equal(code, (await client.ReceiveAsync(Token)).CloseCode);
                await Assert.ThrowsAnyAsync<IOException>(async () => await client.SendTextAsync("x"u8.ToArray(), Token));
            }
        }
    }

    [Fact]
    public async Task Receive_ServerCloseWithoutCode_Reports1005_AndRepliesEmpty()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                await peer.WriteAsync(CloseFrame(0), Token);
                TransportMessage closed = await client.ReceiveAsync(Token);
                Assert.Equal(1005, closed.CloseCode);
                Assert.Null(closed.CloseReason);
                (WebSocketOpcode opcode, _, byte[] payload) = await peer.ReadFrameAsync(Token);
                Assert.Equal(WebSocketOpcode.Close, opcode);
                Assert.Empty(payload);
            }
        }
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4001)]
    [InlineData(4003)]
    [InlineData(4004)]
    public async Task Close_ClientInitiated_SendsCodeAndWaitsForPeer(int code)
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        using (peer)
        {
            Task close = client.CloseAsync(code, "done", Token).AsTask();
            (WebSocketOpcode opcode, _, byte[] payload) = await peer.ReadFrameAsync(Token);
            Assert.Equal(WebSocketOpcode.Close, opcode);
            Assert.Equal(code, BinaryPrimitives.ReadUInt16BigEndian(payload));
            Assert.Equal("done", Encoding.UTF8.GetString(payload.AsSpan(2)));
            Assert.False(close.IsCompleted);

            await peer.WriteAsync(CloseFrame(code), Token);
            await close;
            Assert.True(await peer.ReadEofAsync(Token));
            Assert.Equal(TransportMessageKind.Closed, (await client.ReceiveAsync(Token)).Kind);
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Close_LongReason_TruncatedToWholeCharactersWithin123Bytes()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        using (peer)
        {
            Task close = client.CloseAsync(1000, new string('é', 100), Token).AsTask();
            (_, _, byte[] payload) = await peer.ReadFrameAsync(Token);
            Assert.Equal(2 + 122, payload.Length); // 61 two-byte characters fit in 123 bytes
            Assert.Equal(new string('é', 61), Encoding.UTF8.GetString(payload.AsSpan(2)));
            peer.Abort();
            await close;
        }
    }

    [Fact]
    public async Task Receive_OversizeSingleFrame_Closes1009BeforeBufferingIt()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync(maxMessageBytes: 1000);
        await using (client)
        {
            using (peer)
            {
                // Only the header of a 1 MiB frame is sent: the verdict must not wait for the payload.
                await peer.WriteAsync(Frame(TextOp, new byte[1024 * 1024])[..10], Token);
                await AssertClosedByClientAsync(client, peer, 1009);
            }
        }
    }

    [Fact]
    public async Task Receive_OversizeAcrossFragments_Closes1009()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync(maxMessageBytes: 1000);
        await using (client)
        {
            using (peer)
            {
                await peer.WriteAsync(Concat(Frame(TextOp, new byte[600], fin: false), Frame(ContinuationOp, new byte[600])), Token);
                await AssertClosedByClientAsync(client, peer, 1009);
            }
        }
    }

    [Fact]
    public async Task Receive_MessageExactlyAtLimit_Accepted()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync(maxMessageBytes: 1000);
        await using (client)
        {
            using (peer)
            {
                await peer.WriteAsync(Concat(Frame(BinaryOp, new byte[400], fin: false), Frame(ContinuationOp, new byte[600])), Token);
                Assert.Equal(1000, (await client.ReceiveAsync(Token)).Payload.Length);
            }
        }
    }

    public static TheoryData<string, byte[]> Violations() => new()
    {
        { "invalid UTF-8 in one frame", Frame(TextOp, [0x61, 0xFF]) },
        { "invalid UTF-8 split across fragments", Concat(Frame(TextOp, [0x61, 0xE2], fin: false), Frame(ContinuationOp, [0x28, 0xA1])) },
        { "truncated sequence at message end", Concat(Frame(TextOp, [0x61], fin: false), Frame(ContinuationOp, [0xE2, 0x82])) },
        { "masked server frame", Frame(TextOp, "hi"u8.ToArray(), maskKey: 0x12345678) },
        { "reserved bit 1", Frame(TextOp, "hi"u8.ToArray(), rsv: 4) },
        { "reserved bit 3", Frame(BinaryOp, [1], rsv: 1) },
        { "unknown opcode", Frame(0x3, [1]) },
        { "fragmented ping", Frame(PingOp, [1], fin: false) },
        { "continuation without message", Frame(ContinuationOp, [1]) },
        { "new message inside fragmented one", Concat(Frame(TextOp, [0x61], fin: false), Frame(TextOp, [0x62])) },
        { "close with one-byte payload", Frame(CloseOp, [3]) },
        { "close with reserved code 1005", CloseFrame(1005) },
        { "close with code 999", CloseFrame(999) },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task Receive_ProtocolViolation_ClosesWithMatchingCode(string description, byte[] bytes)
    {
        int expected = description.Contains("UTF-8", StringComparison.Ordinal) || description.Contains("truncated", StringComparison.Ordinal) ? 1007 : 1002;
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                await peer.WriteAsync(bytes, Token);
                await AssertClosedByClientAsync(client, peer, expected);
            }
        }
    }

    [Fact]
    public async Task Receive_ValidUtf8SplitAcrossFragments_Accepted()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                byte[] emoji = Encoding.UTF8.GetBytes("🙂"); // 4 bytes, one per fragment
                await peer.WriteAsync(Concat(
                    Frame(TextOp, emoji[..1], fin: false),
                    Frame(ContinuationOp, emoji[1..2], fin: false),
                    Frame(ContinuationOp, emoji[2..3], fin: false),
                    Frame(ContinuationOp, emoji[3..])), Token);
                Assert.Equal("🙂", TextOf(await client.ReceiveAsync(Token)));
            }
        }
    }

    [Fact]
    public async Task Receive_AbruptEof_Reports1006()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            await peer.WriteAsync(Frame(TextOp, "partial"u8.ToArray())[..4], Token);
            peer.Dispose();
            TransportMessage closed = await client.ReceiveAsync(Token);
            Assert.Equal(TransportMessageKind.Closed, closed.Kind);
            Assert.Equal(1006, closed.CloseCode);
        }
    }

    [Fact]
    public async Task Dispose_CompletesPendingReceiveWith1006_AndIsIdempotent()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        using (peer)
        {
            ValueTask<TransportMessage> pending = client.ReceiveAsync(Token);
            await Task.Delay(50, Token);
            await client.DisposeAsync();
            await client.DisposeAsync();
            TransportMessage closed = await pending;
            Assert.Equal(TransportMessageKind.Closed, closed.Kind);
            Assert.Equal(1006, closed.CloseCode);
            await Assert.ThrowsAnyAsync<IOException>(async () => await client.SendTextAsync("x"u8.ToArray(), Token));
        }
    }

    [Fact]
    public async Task Receive_Cancelled_ThenConnectionStillUsable()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                using (var brief = CancellationTokenSource.CreateLinkedTokenSource(Token))
                {
                    brief.CancelAfter(100);
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReceiveAsync(brief.Token));
                }

                await peer.WriteAsync(ServerFrames.Text("after cancel"), Token);
                Assert.Equal("after cancel", TextOf(await client.ReceiveAsync(Token)));
                await client.SendTextAsync("still sending"u8.ToArray(), Token);
                Assert.Equal("still sending", Encoding.UTF8.GetString((await peer.ReadFrameAsync(Token)).Payload));
            }
        }
    }

    [Fact]
    public async Task Close_PeerNeverAnswers_GivesUpAfterCloseTimeout()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        using (peer)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await client.CloseAsync(1000, null, Token);
            watch.Stop();
            Assert.InRange(watch.Elapsed, WebSocketConnection.CloseTimeout - TimeSpan.FromMilliseconds(100), WebSocketConnection.CloseTimeout + TimeSpan.FromSeconds(3));
            Assert.Equal(WebSocketOpcode.Close, (await peer.ReadFrameAsync(Token)).Opcode);
            Assert.True(await peer.ReadEofAsync(Token));
        }
    }

    [Fact]
    public async Task Close_WhileUserReceivePending_CompletesThroughThatReceive()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        using (peer)
        {
            ValueTask<TransportMessage> pending = client.ReceiveAsync(Token);
            Task close = client.CloseAsync(4001, "auth failed", Token).AsTask();
            Assert.Equal(WebSocketOpcode.Close, (await peer.ReadFrameAsync(Token)).Opcode);
            await peer.WriteAsync(CloseFrame(4001, "auth failed"), Token);
            TransportMessage closed = await pending;
            Assert.Equal(4001, closed.CloseCode);
            await close;
        }
    }

    [Fact]
    public async Task Receive_SecondConcurrentReceive_Throws()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                ValueTask<TransportMessage> first = client.ReceiveAsync(Token);
                Assert.Throws<InvalidOperationException>(() => client.ReceiveAsync(Token));
                await peer.WriteAsync(ServerFrames.Text("ok"), Token);
                Assert.Equal("ok", TextOf(await first));
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(70_000)]
    [InlineData(1024 * 1024)]
    public async Task Send_MaskedFrameArrivesIntact_CallerBufferUntouched(int size)
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                byte[] payload = new byte[size];
                new Random(size).NextBytes(payload);
                byte[] copy = (byte[])payload.Clone();
                await client.SendTextAsync(payload, Token);
                Assert.Equal(copy, payload);

                (WebSocketOpcode opcode, bool fin, byte[] received) = await peer.ReadFrameAsync(Token);
                Assert.Equal(WebSocketOpcode.Text, opcode);
                Assert.True(fin);
                Assert.Equal(copy, received);
            }
        }
    }

    [Fact]
    public async Task Send_ConcurrentSenders_FramesNeverInterleave()
    {
        (IMessageTransport client, RawPeer peer) = await ConnectAsync();
        await using (client)
        {
            using (peer)
            {
                Task[] senders = Enumerable.Range(0, 4).Select(s => Task.Run(async () =>
                {
                    byte[] payload = Enumerable.Repeat((byte)('a' + s), 20_000).ToArray();
                    for (int i = 0; i < 10; i++)
                    {
                        await client.SendTextAsync(payload, Token);
                    }
                })).ToArray();

                for (int i = 0; i < 40; i++)
                {
                    (_, _, byte[] payload) = await peer.ReadFrameAsync(Token);
                    Assert.Equal(20_000, payload.Length);
                    Assert.All(payload, b => Assert.Equal(payload[0], b));
                }

                await Task.WhenAll(senders);
            }
        }
    }

    [Fact]
    public async Task Connect_BadAccept_FailsWithClearError()
    {
        Task<RawPeer> accept = _server.AcceptAsync(Token, respond: _ =>
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n");
        WebSocketConnectException error = await Assert.ThrowsAsync<WebSocketConnectException>(
            async () => await WebSocketClient.ConnectAsync(_server.Uri, new WebSocketClientOptions(), Token));
        Assert.Contains("Sec-WebSocket-Accept", error.Message, StringComparison.Ordinal);
        (await accept).Dispose();
    }

    [Fact]
    public async Task Connect_Refused_ReportsStatusAndBodyExcerpt()
    {
        Task<RawPeer> accept = _server.AcceptAsync(Token, respond: _ =>
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n{\"error\":\"sandbox \\nnot found\"}"[..^3]);
        WebSocketConnectException error = await Assert.ThrowsAsync<WebSocketConnectException>(
            async () => await WebSocketClient.ConnectAsync(_server.Uri, new WebSocketClientOptions(), Token));
        Assert.Equal(404, error.HttpStatusCode);
        Assert.Contains("HTTP 404", error.Message, StringComparison.Ordinal);
        Assert.Contains("sandbox", error.Message, StringComparison.Ordinal);
        (await accept).Dispose();
    }

    [Fact]
    public async Task Connect_NothingListening_FailsWithConnectException()
    {
        // A port that was just free: bound, read, released.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await Assert.ThrowsAsync<WebSocketConnectException>(
            async () => await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), new WebSocketClientOptions(), Token));
    }

    [Fact]
    public async Task Connect_ServerSilent_TimesOut()
    {
        // The listener's backlog completes the TCP connect, but nobody ever answers the upgrade.
        WebSocketConnectException error = await Assert.ThrowsAsync<WebSocketConnectException>(
            async () => await WebSocketClient.ConnectAsync(_server.Uri, new WebSocketClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) }, Token));
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
    }

    private async Task AssertClosedByClientAsync(IMessageTransport client, RawPeer peer, int expectedCode)
    {
        TransportMessage closed = await client.ReceiveAsync(Token);
        Assert.Equal(TransportMessageKind.Closed, closed.Kind);
        Assert.Equal(expectedCode, closed.CloseCode);
        Assert.False(string.IsNullOrEmpty(closed.CloseReason));

        (WebSocketOpcode opcode, _, byte[] payload) = await peer.ReadFrameAsync(Token);
        Assert.Equal(WebSocketOpcode.Close, opcode);
        Assert.Equal(expectedCode, BinaryPrimitives.ReadUInt16BigEndian(payload));
    }
}
