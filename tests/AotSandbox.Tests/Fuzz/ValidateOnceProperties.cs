using System.Buffers;
using System.Text;
using System.Text.Unicode;
using AotSandbox.Protocol;
using AotSandbox.Protocol.WebSocket;
using AotSandbox.Tests.Transport.Support;
using AotSandbox.Transport;
using CsCheck;
using static AotSandbox.Tests.Transport.Support.ServerFrames;

namespace AotSandbox.Tests.Fuzz;

/// <summary>
/// UTF-8 is validated once per message now (by the transport) and the exec.output scanner trusts it; messages are
/// taken in batches per read. These properties show neither change accepts anything that was rejected before:
/// invalid UTF-8 still ends the connection with 1007 at the same message, and the frame reader still decides exactly as
/// the JSON reader does on every input, whether its per-string check ran or was skipped on the transport's word.
/// (Utf8JsonReader itself does not check the UTF-8 of string values: the transport's check is the one that rejects.)
/// </summary>
public sealed class ValidateOnceProperties
{
    private static readonly string[] OutputSeeds =
    [
        "{\"type\":\"exec.output\",\"execId\":\"e-1\",\"stream\":\"stdout\",\"data\":\"AAAA\\n\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"stream\":\"stderr\",\"data\":\"caf\u00e9 \ud83d\ude00 \\u00e9\\ud83d\\ude00\\t\"}",
        "{\"data\":\"\u00fc\u00f6\",\"sandboxId\":\"sb\u00e9\",\"type\":\"exec.output\",\"execId\":\"\u4e2d\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"stream\":\"st\u00e9\",\"data\":\"x\",\"other\":\"\u00e9\"}",
        "{\"type\":\"exec.exit\",\"execId\":\"e\",\"exitCode\":0}",
    ];

    [Fact]
    public void FrameReader_TrustingTheTransportsValidation_DecidesAsTheJsonReader() =>
        FuzzSupport.SeededOrRandom(OutputSeeds).Sample(json =>
        {
            // What the session does now: the flag is true exactly when the whole message was validated (by the transport
            // for text, by the session for binary); invalid messages never reach the reader with it.
            bool validated = Utf8.IsValid(json);
            bool trusted = ServerFrameReader.TryRead(json, knownValidUtf8: validated, out ServerFrame a);
            bool checking = ServerFrameReader.TryRead(json, knownValidUtf8: false, out ServerFrame b);
            bool reader = ServerFrameReader.TryReadWithJsonReader(json, out ServerFrame c);
            string text = Convert.ToHexString(json);
            Assert.True(trusted == reader && checking == reader, $"accept differs (trusted {trusted}, checking {checking}, reader {reader}): {text}");
            if (reader && validated)
            {
                Assert.Equal(Fields(ref c), Fields(ref a));
                Assert.Equal(Fields(ref c), Fields(ref b));
            }
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void Scanner_WithoutTheTransportsWord_StillDeclinesInvalidUtf8() =>
        Gen.Select(Gen.OneOf(OutputSeeds), Gen.Int, Gen.OneOf<byte>(0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF5, 0xFF)).Sample((seed, at, bad) =>
        {
            byte[] json = Encoding.UTF8.GetBytes(seed);
            json[(int)((uint)at % (uint)json.Length)] = bad;
            if (Utf8.IsValid(json))
            {
                return;
            }

            // Unvalidated bytes (a direct caller, not the session) still get the scanner's own check.
            ServerFrame frame = default;
            Assert.False(ExecOutputScanner.TryScan(json, knownValidUtf8: false, ref frame), Convert.ToHexString(json));
        }, iter: FuzzSupport.Iterations);

    private static readonly Gen<byte[]> Payload = FuzzSupport.SeededOrRandom(OutputSeeds);

    /// <summary>One frame of a random server stream: a data message (maybe fragmented), a ping or a pong.</summary>
    private static readonly Gen<byte[]> WireFrame = Gen.Frequency(
        (6, Payload.Select(p => Frame(TextOp, p))),
        (1, Payload.Select(p => Frame(BinaryOp, p))),
        (1, Gen.Select(Payload, Gen.Int).Select((p, cut) =>
        {
            int at = (int)((uint)cut % (uint)(p.Length + 1));
            return Concat(Frame(TextOp, p[..at], fin: false), Frame(PingOp, [1, 2]), Frame(ContinuationOp, p[at..]));
        })),
        (1, Gen.Byte.Array[0, 10].Select(p => Frame(PingOp, p))),
        (1, Gen.Byte.Array[0, 10].Select(p => Frame(PongOp, p))));

    [Fact]
    public void BatchReceive_SameMessagesAndSameCloseAsOneAtATime_InvalidUtf8RejectedAtTheSameMessage() =>
        Gen.Select(WireFrame.Array[1, 12], Gen.Int.Array[0, 4]).Sample((frames, cuts) =>
        {
            byte[] wire = Concat(frames);
            List<byte[]> chunks = Chunks(wire, cuts);

            (List<string> oneByOne, int code1, List<string> sent1) = Consume(chunks, batch: false);
            (List<string> batched, int code2, List<string> sent2) = Consume(chunks, batch: true);
            Assert.Equal(oneByOne, batched);
            Assert.Equal(code1, code2);
            Assert.Equal(sent1, sent2);

            // And both match the model: every message up to the first text one that is not UTF-8, then 1007 (else the
            // stream just ends: 1006).
            (List<string> expected, int expectedCode) = Model(frames);
            Assert.Equal(expected, batched);
            Assert.Equal(expectedCode, code2);
        }, iter: FuzzSupport.Iterations / 8);

    private static (List<string> Messages, int CloseCode, List<string> Sent) Consume(List<byte[]> chunks, bool batch)
    {
        var peer = new ChunkedConnection(chunks);
        var messages = new List<string>();
        try
        {
            WebSocketConnection client = peer.Connection;
            while (true)
            {
                TransportMessage message = client.ReceiveAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                if (message.Kind == TransportMessageKind.Closed)
                {
                    return (messages, message.CloseCode, Sent(peer.Stream.Written.ToArray()));
                }

                do
                {
                    messages.Add($"{message.Kind}:{Convert.ToHexString(message.Payload.ToArray())}");
                    client.ReleaseMessage();
                }
                while (batch && client.TryReceiveBuffered(out message));
            }
        }
        finally
        {
            peer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static (List<string> Messages, int CloseCode) Model(byte[][] frames)
    {
        var messages = new List<string>();
        foreach (byte[] frame in frames)
        {
            WebSocketFrameParser.TryParse(frame, out WebSocketFrameHeader header, out int consumed);
            if (header.Opcode is WebSocketOpcode.Ping or WebSocketOpcode.Pong)
            {
                continue;
            }

            byte[] payload = frame.AsSpan(consumed, (int)header.PayloadLength).ToArray();
            if (!header.Fin)
            {
                // The fragmented form: first fragment, a ping, the continuation.
                int offset = consumed + payload.Length;
                WebSocketFrameParser.TryParse(frame.AsSpan(offset), out WebSocketFrameHeader ping, out int pingHeader);
                offset += pingHeader + (int)ping.PayloadLength;
                WebSocketFrameParser.TryParse(frame.AsSpan(offset), out WebSocketFrameHeader last, out int lastHeader);
                payload = [.. payload, .. frame.AsSpan(offset + lastHeader, (int)last.PayloadLength)];
            }

            if (header.Opcode == WebSocketOpcode.Text && !Utf8.IsValid(payload))
            {
                return (messages, WebSocketCloseCodes.InvalidPayloadData);
            }

            messages.Add($"{(header.Opcode == WebSocketOpcode.Text ? TransportMessageKind.Text : TransportMessageKind.Binary)}:{Convert.ToHexString(payload)}");
        }

        return (messages, WebSocketCloseCodes.AbnormalClosure);
    }

    /// <summary>The client's frames (pongs, close) as opcode and unmasked payload; mask keys are random.</summary>
    private static List<string> Sent(byte[] written)
    {
        var frames = new List<string>();
        for (int i = 0; i < written.Length;)
        {
            WebSocketFrameParser.TryParse(written.AsSpan(i), expectMasked: true, out WebSocketFrameHeader header, out int consumed, out _);
            byte[] payload = written.AsSpan(i + consumed, (int)header.PayloadLength).ToArray();
            WebSocketMasking.Mask(payload, header.MaskKey, 0);
            frames.Add($"{header.Opcode}:{Convert.ToHexString(payload)}");
            i += consumed + payload.Length;
        }

        return frames;
    }

    private static List<byte[]> Chunks(byte[] wire, int[] cuts)
    {
        var points = cuts.Select(c => (int)((uint)c % (uint)(wire.Length + 1))).Append(0).Append(wire.Length).Distinct().Order().ToList();
        var chunks = new List<byte[]>();
        for (int i = 1; i < points.Count; i++)
        {
            chunks.Add(wire[points[i - 1]..points[i]]);
        }

        return chunks;
    }

    private static string Fields(ref ServerFrame f)
    {
        var s = new StringBuilder();
        s.Append(f.Type).Append('|').Append(f.Stream).Append('|').Append(f.ExecId.GetString()).Append('|').Append(f.SandboxId.GetString())
            .Append('|').Append(f.TypeName.GetString()).Append('|').Append(f.ExitCode);
        byte[] data = new byte[f.Data.MaxLength];
        s.Append('|').Append(f.Data.IsPresent).Append(Convert.ToHexString(data.AsSpan(0, f.Data.CopyTo(data))));
        return s.ToString();
    }
}
