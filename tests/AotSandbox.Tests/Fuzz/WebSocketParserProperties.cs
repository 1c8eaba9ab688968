using System.Buffers;
using System.Text;
using AotSandbox.Protocol.WebSocket;
using CsCheck;

namespace AotSandbox.Tests.Fuzz;

/// <summary>The SDK's RFC 6455 frame-header and handshake parsers on arbitrary and mutated bytes.</summary>
public sealed class WebSocketParserProperties
{
    private const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private static readonly string[] HandshakeSeeds =
    [
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + Accept + "\r\n\r\n",
        "HTTP/1.1 401 Unauthorized\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nunauthorized",
        "HTTP/1.1 101 X\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\nsec-websocket-accept:" + Accept + "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n\x81\x02hi",
    ];

    [Fact]
    public void FrameHeader_NeverThrows_AndDoneIsSelfConsistent() =>
        Gen.Select(FuzzSupport.Bytes, Gen.Bool).Sample((input, masked) =>
        {
            OperationStatus status = WebSocketFrameParser.TryParse(input, masked, out WebSocketFrameHeader header, out int consumed, out WebSocketFrameError error);
            switch (status)
            {
                case OperationStatus.Done:
                    Assert.Equal(header.HeaderLength, consumed);
                    Assert.InRange(consumed, 2, WebSocketFrameParser.MaxHeaderLength);
                    Assert.True(consumed <= input.Length);
                    Assert.True(header.PayloadLength >= 0);
                    Assert.Equal(masked, header.Masked);
                    Assert.Equal(0, header.Rsv);
                    Assert.True(!header.IsControl || (header.Fin && header.PayloadLength <= WebSocketFrameParser.MaxControlPayloadLength));
                    // Every proper prefix is "need more" (or an early, equally final rejection of the same bytes).
                    for (int cut = 0; cut < consumed; cut++)
                    {
                        Assert.Equal(OperationStatus.NeedMoreData, WebSocketFrameParser.TryParse(input.AsSpan(0, cut), masked, out _, out int none, out _));
                        Assert.Equal(0, none);
                    }

                    break;
                case OperationStatus.NeedMoreData:
                    Assert.Equal(0, consumed);
                    Assert.True(input.Length < WebSocketFrameParser.MaxHeaderLength);
                    break;
                case OperationStatus.InvalidData:
                    Assert.Equal(0, consumed);
                    Assert.NotEqual(WebSocketFrameError.None, error);
                    break;
                default:
                    Assert.Fail(status.ToString());
                    break;
            }
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void FrameHeader_IsSplitInvariant() =>
        Gen.Select(FuzzSupport.Bytes, Gen.Int.Array[0, 5], Gen.Bool).Sample((input, cuts, masked) =>
        {
            OperationStatus whole = WebSocketFrameParser.TryParse(input, masked, out WebSocketFrameHeader a, out int ca, out WebSocketFrameError ea);
            OperationStatus split = WebSocketFrameParser.TryParse(FuzzSupport.Split(input, cuts), masked, out WebSocketFrameHeader b, out int cb, out WebSocketFrameError eb);
            Assert.Equal(whole, split);
            Assert.Equal(a, b);
            Assert.Equal(ca, cb);
            Assert.Equal(ea, eb);
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void ClientHeaderWriter_RoundTripsThroughTheParser() =>
        Gen.Select(Gen.OneOf(WebSocketOpcode.Continuation, WebSocketOpcode.Text, WebSocketOpcode.Binary, WebSocketOpcode.Close, WebSocketOpcode.Ping, WebSocketOpcode.Pong),
            Gen.Bool, Gen.OneOf(Gen.Long[0, 125], Gen.Long[126, 65535], Gen.Long[65536, long.MaxValue]), Gen.UInt).Sample((opcode, fin, length, key) =>
        {
            bool control = ((byte)opcode & 0x8) != 0;
            if (control)
            {
                fin = true;
                length %= 126;
            }

            Span<byte> buffer = stackalloc byte[WebSocketFrameWriter.MaxClientHeaderLength];
            int written = WebSocketFrameWriter.WriteClientHeader(buffer, opcode, fin, length, key);
            Assert.Equal(WebSocketFrameWriter.GetClientHeaderLength(length), written);
            Assert.Equal(OperationStatus.Done, WebSocketFrameParser.TryParse(buffer[..written], expectMasked: true, out WebSocketFrameHeader header, out int consumed, out _));
            Assert.Equal(written, consumed);
            Assert.Equal(new WebSocketFrameHeader(fin, 0, opcode, true, key, length, written), header);
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void Masking_IsAnInvolution_AtAnyOffset() =>
        Gen.Select(Gen.Byte.Array[0, 300], Gen.UInt, Gen.Int[0, 3]).Sample((data, key, offset) =>
        {
            byte[] copy = (byte[])data.Clone();
            WebSocketMasking.Mask(copy, key, offset);
            WebSocketMasking.Mask(copy, key, offset);
            Assert.Equal(data, copy);
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void MaskCopy_EqualsCopyThenMaskInPlace_AtAnyOffset_SourceUntouched() =>
        Gen.Select(Gen.Byte.Array[0, 300], Gen.UInt, Gen.Int[0, 1 << 20], Gen.Int[0, 8]).Sample((data, key, offset, slack) =>
        {
            byte[] source = (byte[])data.Clone();
            byte[] expected = (byte[])data.Clone();
            WebSocketMasking.Mask(expected, key, offset);
            byte[] destination = new byte[data.Length + slack];
            Array.Fill(destination, (byte)0x5A);

            WebSocketMasking.MaskCopy(source, destination, key, offset);

            Assert.Equal(data, source);
            Assert.Equal(expected, destination[..data.Length]);
            Assert.All(destination[data.Length..], b => Assert.Equal(0x5A, b));
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void Handshake_NeverThrows_IsSplitInvariant_AndNeverConsumesPastTheHead() =>
        Gen.Select(FuzzSupport.SeededOrRandom(HandshakeSeeds), Gen.Int.Array[0, 6], Gen.Int[16, 2048]).Sample((input, cuts, limit) =>
        {
            OperationStatus whole = WebSocketHandshakeParser.TryParse(new ReadOnlySequence<byte>(input), Encoding.ASCII.GetBytes(Accept), limit, out WebSocketHandshakeResponse a, out long ca);
            OperationStatus split = WebSocketHandshakeParser.TryParse(FuzzSupport.Split(input, cuts), Encoding.ASCII.GetBytes(Accept), limit, out WebSocketHandshakeResponse b, out long cb);
            Assert.Equal(whole, split);
            Assert.Equal(a, b);
            Assert.Equal(ca, cb);
            Assert.True(ca <= input.Length);
            if (whole == OperationStatus.Done)
            {
                Assert.True(ca <= limit);
                Assert.True(input.AsSpan(0, (int)ca).EndsWith("\r\n\r\n"u8));
                Assert.True(a.Error != WebSocketHandshakeError.None || a.StatusCode == 101);
            }
            else
            {
                Assert.Equal(0, ca);
            }
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void Utf8Validation_AgreesWithTheStrictDecoder() =>
        Gen.Select(FuzzSupport.Bytes, Gen.Int.Array[0, 4]).Sample((input, cuts) =>
        {
            bool strict;
            try
            {
                new UTF8Encoding(false, true).GetString(input);
                strict = true;
            }
            catch (DecoderFallbackException)
            {
                strict = false;
            }

            Assert.Equal(strict, Utf8Validation.IsValid(FuzzSupport.Split(input, cuts)));
        }, iter: FuzzSupport.Iterations);
}
