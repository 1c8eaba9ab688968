using System.Buffers;
using System.Text;
using AotSandbox.Protocol;
using AotSandbox.Protocol.WebSocket;

namespace AotSandbox.AllocTests;

/// <summary>
/// The protocol frame parsers over a byte array allocate exactly 0 bytes: WebSocket header → <see cref="ServerFrameReader"/>
/// (its exec.output fast path and the general Utf8JsonReader path) → unescape, for every frame of a mixed stream.
/// </summary>
public sealed class ProtocolFrameParserAllocationTests
{
    [Fact]
    public void ParsingAStreamOfServerFrames_AllocatesZeroBytes()
    {
        string[] messages =
        [
            "{\"type\":\"exec.output\",\"execId\":\"exec-1\",\"stream\":\"stdout\",\"data\":\"plain output\"}",
            "{\"type\":\"exec.output\",\"execId\":\"exec-1\",\"stream\":\"stderr\",\"data\":\"line\\n\\u00e9 \\ud83d\\ude00\\t\\\"q\\\"\\n\"}",
            "{\"type\":\"exec.output\",\"execId\":\"exec-1\",\"data\":\"x\",\"extra\":[1,{\"y\":null}]}",
            "{\"type\":\"exec.exit\",\"execId\":\"exec-1\",\"exitCode\":0}",
            "{\"type\":\"file.content\",\"execId\":\"file-2\",\"path\":\"a.txt\",\"content\":\"aGVsbG8=\",\"encoding\":\"base64\",\"offset\":0,\"eof\":true}",
        ];
        using var wire = new MemoryStream();
        foreach (string message in messages)
        {
            byte[] payload = Encoding.UTF8.GetBytes(message);
            wire.WriteByte(0x81);
            wire.WriteByte(126);
            wire.WriteByte((byte)(payload.Length >> 8));
            wire.WriteByte((byte)payload.Length);
            wire.Write(payload);
        }

        byte[] bytes = wire.ToArray();
        byte[] unescaped = new byte[4096];
        long checksum = 0;
        for (int round = 0; round < 2; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5_000; i++)
            {
                checksum += ParseAll(bytes, unescaped);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round == 1)
            {
                Assert.Equal(0, allocated);
            }
        }

        Assert.Equal(2 * 5_000 * ParseAll(bytes, unescaped), checksum);
    }

    private static long ParseAll(ReadOnlySpan<byte> wire, byte[] unescaped)
    {
        long total = 0;
        while (!wire.IsEmpty)
        {
            // Plain checks, not xunit asserts: Assert.Equal's comparer allocates, which would be counted here.
            if (WebSocketFrameParser.TryParse(wire, out WebSocketFrameHeader header, out int consumed) != OperationStatus.Done)
            {
                throw new InvalidOperationException("header did not parse");
            }

            ReadOnlySpan<byte> payload = wire.Slice(consumed, (int)header.PayloadLength);
            if (!ServerFrameReader.TryRead(payload, out ServerFrame frame))
            {
                throw new InvalidOperationException("frame did not parse");
            }

            total += (int)frame.Type + frame.Data.CopyTo(unescaped) + frame.Content.CopyTo(unescaped) + (frame.ExitCode ?? 0) + (frame.Eof == true ? 1 : 0);
            wire = wire[(consumed + payload.Length)..];
        }

        return total;
    }
}
