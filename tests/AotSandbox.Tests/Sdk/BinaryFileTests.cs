using System.Text;
using System.Text.Json;
using AotSandbox.Emulator.DataPlane;
using AotSandbox.Tests.Sdk.Fakes;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Sdk;

/// <summary>
/// The SDK's use of the <c>file.binary</c> extension (docs/PROTOCOL.md §4.7) against a fake server: used only when
/// advertised, writes as binary envelopes the emulator's parser reads back, reads answered by binary messages, and
/// binary messages that are not a pending read's answer dropped without harming the session.
/// </summary>
public sealed class BinaryFileTests
{
    private static readonly string[] Both = [SandboxExtensionNames.FileRange, SandboxExtensionNames.FileBinary];

    /// <summary>A server → client envelope: prefix, JSON header, data.</summary>
    internal static byte[] Envelope(string header, ReadOnlySpan<byte> data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        return [0xB1, 0, (byte)(json.Length >> 8), (byte)json.Length, .. json, .. data];
    }

    [Fact]
    public async Task Write_WhenAdvertised_SendsEnvelopesTheEmulatorParses_NoBase64()
    {
        byte[] content = new byte[1_200_000];
        new Random(11).NextBytes(content);
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync(Both);
        byte[] written = new byte[content.Length];
        var offsets = new List<long?>();
        transport.OnClientBinary = (t, message) =>
        {
            Assert.Null(BinaryFileEnvelope.TryParse(message, out Range header, out Range data));
            ClientFrame frame = ClientFrameParser.Parse(message.AsSpan()[header])!;
            Assert.Equal((ClientFrameType.FileWrite, "big.bin", (byte[]?)null), (frame.Type, frame.Path, frame.Content));
            offsets.Add(frame.Offset);
            message.AsSpan()[data].CopyTo(written.AsSpan((int)(frame.Offset ?? 0)));
            t.Enqueue($"{{\"type\":\"file.writeResult\",\"execId\":\"{frame.ExecId}\",\"path\":\"big.bin\",\"size\":{message[data].Length},\"ok\":true}}");
        };

        WriteResult result = await sandbox.WriteFileAsync("big.bin", content);

        Assert.True(result.Ok);
        Assert.Equal(content.Length, result.Size);
        Assert.Equal(content, written);
        Assert.Equal([null, (long)Sandbox.BinaryChunkBytes], offsets); // 1016 KiB chunks: each one agent write
        Assert.Single(transport.Sent); // the auth frame: no JSON file.write at all
    }

    [Fact]
    public async Task Read_WhenAdvertised_AsksForBinary_AndAssemblesBinaryRanges()
    {
        byte[] content = new byte[1_100_000];
        new Random(12).NextBytes(content);
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync(Both);
        transport.OnClientFrame = (t, frame) =>
        {
            using var doc = JsonDocument.Parse(frame);
            JsonElement root = doc.RootElement;
            if (root.GetProperty("type").GetString() != "file.read")
            {
                return;
            }

            Assert.True(root.GetProperty("binary").GetBoolean());
            AnswerWithBinaryRange(t, root, content);
        };

        byte[] read = await sandbox.ReadFileBytesAsync("big.bin");

        Assert.Equal(content, read);
    }

    [Fact]
    public async Task Read_FileShrinkingMidRead_FallsBackToFollowingTheFile()
    {
        // The ranges land in place in one array of the size the first answer reported; when a later answer reports
        // another size, that array is dropped and the rest is read the general way (which follows a changing file).
        byte[] before = new byte[2_200_000];
        byte[] after = new byte[1_500_000];
        new Random(14).NextBytes(before);
        new Random(15).NextBytes(after);
        byte[] current = before;
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync(Both);
        transport.OnClientFrame = (t, frame) =>
        {
            using var doc = JsonDocument.Parse(frame);
            JsonElement root = doc.RootElement;
            if (root.GetProperty("type").GetString() != "file.read")
            {
                return;
            }

            AnswerWithBinaryRange(t, root, current);
            current = after; // changed right after the first answer
        };

        byte[] read = await sandbox.ReadFileBytesAsync("changing.bin");

        Assert.Equal([.. before.AsSpan(0, Sandbox.BinaryChunkBytes), .. after.AsSpan(Sandbox.BinaryChunkBytes)], read);
    }

    /// <summary>Answers a ranged <c>file.read</c> as the emulator does with file.binary: the range of <paramref name="file"/> it asks for, in an envelope.</summary>
    private static void AnswerWithBinaryRange(InMemoryTransport t, JsonElement read, byte[] file)
    {
        long offset = read.GetProperty("offset").GetInt64();
        int n = (int)Math.Max(0, Math.Min(read.GetProperty("length").GetInt32(), file.Length - offset));
        string eof = offset + n >= file.Length ? "true" : "false";
        t.InboundKind = TransportMessageKind.Binary;
        t.Enqueue(Envelope($"{{\"type\":\"file.content\",\"execId\":\"{read.GetProperty("execId").GetString()}\",\"offset\":{offset},\"size\":{file.Length},\"eof\":{eof}}}", file.AsSpan((int)Math.Min(offset, file.Length), n)));
        t.InboundKind = TransportMessageKind.Text;
    }

    [Fact]
    public async Task NotAdvertised_FramesAreTheJsonOnes_NoBinaryField()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync([SandboxExtensionNames.FileRange]);
        Task<WriteResult> write = sandbox.WriteFileAsync("a", new byte[] { 1, 2 });
        string frame = await transport.NextSentAsync();
        Assert.Contains("\"content\":\"AQI=\"", frame, StringComparison.Ordinal);
        transport.Enqueue($"{{\"type\":\"file.writeResult\",\"execId\":\"{TestSandbox.ExecIdOf(frame)}\",\"path\":\"a\",\"size\":2,\"ok\":true}}");
        await write;

        Task<byte[]> read = sandbox.ReadFileBytesAsync("a");
        frame = await transport.NextSentAsync();
        Assert.DoesNotContain("binary", frame, StringComparison.Ordinal);
        transport.Enqueue($"{{\"type\":\"file.content\",\"execId\":\"{TestSandbox.ExecIdOf(frame)}\",\"content\":\"AQI=\",\"encoding\":\"base64\",\"offset\":0,\"size\":2,\"eof\":true}}");
        Assert.Equal(new byte[] { 1, 2 }, await read);
        Assert.Empty(transport.SentBinary);
    }

    [Fact]
    public async Task Read_WhenAdvertised_AcceptsATextAnswerToo()
    {
        // A server may ignore 'binary' (as the strict emulator does): the JSON answer still completes the read.
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync(Both);
        Task<byte[]> read = sandbox.ReadFileBytesAsync("a");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"file.content\",\"execId\":\"{id}\",\"content\":\"AQI=\",\"encoding\":\"base64\",\"offset\":0,\"size\":2,\"eof\":true}}");
        Assert.Equal(new byte[] { 1, 2 }, await read);
    }

    [Fact]
    public async Task StrayOrBrokenBinaryMessages_AreDropped_TheSessionAndThePendingReadLiveOn()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync(Both);
        Task<byte[]> read = sandbox.ReadFileBytesAsync("a");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.InboundKind = TransportMessageKind.Binary;
        transport.Enqueue(Envelope("{\"type\":\"file.content\",\"execId\":\"file-000000000000000000000000\",\"offset\":0,\"size\":1,\"eof\":true}", [9])); // unknown id
        transport.Enqueue(Envelope($"{{\"type\":\"exec.output\",\"execId\":\"{id}\"}}", [9])); // not a file.content
        transport.Enqueue(new byte[] { 0xB1, 0, 0xFF, 0xFF, 1, 2 }); // header length past the end
        transport.Enqueue(new byte[] { 0xB1, 1, 0, 2, (byte)'{', (byte)'}' }); // unknown envelope version
        byte[] badUtf8 = Envelope($"{{\"type\":\"file.content\",\"execId\":\"{id}\",\"path\":\"XX\"}}", [9]);
        int bad = Array.IndexOf(badUtf8, (byte)'X');
        badUtf8[bad] = 0xE2;
        badUtf8[bad + 1] = 0x28;
        transport.Enqueue(badUtf8); // header not UTF-8
        await Task.Delay(50);
        Assert.True(sandbox.IsConnected);
        Assert.False(read.IsCompleted);

        transport.Enqueue(Envelope($"{{\"type\":\"file.content\",\"execId\":\"{id}\",\"offset\":0,\"size\":3,\"eof\":true}}", [7, 8, 9]));
        Assert.Equal(new byte[] { 7, 8, 9 }, await read);
    }

    [Fact]
    public async Task UploadFromStream_WhenAdvertised_EveryChunkArrivesIntact()
    {
        byte[] content = new byte[(512 * 1024 * 7) + 5];
        new Random(13).NextBytes(content);
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync(Both);
        byte[] written = new byte[content.Length];
        transport.OnClientBinary = (t, message) =>
        {
            Assert.Null(BinaryFileEnvelope.TryParse(message, out Range header, out Range data));
            ClientFrame frame = ClientFrameParser.Parse(message.AsSpan()[header])!;
            message.AsSpan()[data].CopyTo(written.AsSpan((int)(frame.Offset ?? 0)));
            t.Enqueue($"{{\"type\":\"file.writeResult\",\"execId\":\"{frame.ExecId}\",\"path\":\"s\",\"size\":{message[data].Length},\"ok\":true}}");
        };

        WriteResult result = await sandbox.UploadFileAsync("s", new MemoryStream(content));

        Assert.Equal(content.Length, result.Size);
        Assert.Equal(content, written);
    }
}
