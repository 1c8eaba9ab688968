using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AotSandbox.Emulator;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// The file.binary extension (docs/PROTOCOL.md §4.7) with an independent client (ClientWebSocket, envelopes built by
/// hand here): binary writes and reads round-trip, binary answers go only to a read that asked, strict mode neither
/// advertises nor honours it, and every broken envelope is refused (4004, 1009 or INVALID_REQUEST) without writing.
/// </summary>
public sealed class BinaryFileProtocolTests
{
    private static byte[] Envelope(JsonObject header, ReadOnlySpan<byte> data) => Envelope(Encoding.UTF8.GetBytes(header.ToJsonString()), data);

    private static byte[] Envelope(byte[] header, ReadOnlySpan<byte> data, byte reserved = 0, int? declared = null)
    {
        int length = declared ?? header.Length;
        return [0xB1, reserved, (byte)(length >> 8), (byte)length, .. header, .. data];
    }

    private static JsonObject WriteHeader(string path, long? offset = null)
    {
        var header = new JsonObject { ["type"] = "file.write", ["execId"] = Frames.NewFileId(), ["path"] = path };
        if (offset is { } o)
        {
            header["offset"] = o;
        }

        return header;
    }

    private static async Task SendBinaryAsync(WsClient ws, byte[] message)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ws.Socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next message with its kind (Close with the status when the server closed).</summary>
    private static async Task<(WebSocketMessageType Type, byte[] Bytes, WebSocketCloseStatus? Status)> ReceiveRawAsync(WsClient ws, double seconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var buffer = new MemoryStream();
        byte[] chunk = new byte[256 * 1024];
        while (true)
        {
            WebSocketReceiveResult result = await ws.Socket.ReceiveAsync(chunk, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, [], result.CloseStatus);
            }

            buffer.Write(chunk, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, buffer.ToArray(), null);
            }
        }
    }

    /// <summary>Splits a server envelope with this test's own reading of §4.7.</summary>
    private static (JsonObject Header, byte[] Data) Open(byte[] message)
    {
        Assert.True(message.Length >= 4 && message[0] == 0xB1 && message[1] == 0, "not an envelope");
        int length = (message[2] << 8) | message[3];
        return (JsonNode.Parse(message.AsSpan(4, length))!.AsObject(), message[(4 + length)..]);
    }

    /// <summary>Over a new connection: the file was never created (the refused message wrote nothing).</summary>
    private static async Task AssertMissingAsync(JsonObject created, string path)
    {
        await using WsClient check = await EmulatorHarness.ConnectAsync(created);
        await check.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = path });
        Assert.Equal("ENOENT", (string?)(await check.ReceiveAsync())["code"]);
    }

    private static async Task<JsonObject> ReadBinaryRangeAsync(WsClient ws, string path, long offset, int length, List<byte> into)
    {
        string id = Frames.NewFileId();
        await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = id, ["path"] = path, ["offset"] = offset, ["length"] = length, ["binary"] = true });
        (WebSocketMessageType type, byte[] bytes, _) = await ReceiveRawAsync(ws);
        Assert.Equal(WebSocketMessageType.Binary, type);
        (JsonObject header, byte[] data) = Open(bytes);
        Assert.Equal(("file.content", id), ((string?)header["type"], (string?)header["execId"]));
        into.AddRange(data);
        return header;
    }

    [Fact]
    public async Task BinaryWritesAndReads_RoundTripAFile_InRanges()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        byte[] content = RandomNumberGenerator.GetBytes((2 * 512 * 1024) + 777);

        for (int offset = 0; offset < content.Length; offset += 512 * 1024)
        {
            int n = Math.Min(512 * 1024, content.Length - offset);
            JsonObject header = WriteHeader("dir/blob.bin", offset == 0 ? null : offset);
            await SendBinaryAsync(ws, Envelope(header, content.AsSpan(offset, n)));
            JsonObject reply = await ws.ReceiveAsync();
            Assert.Equal(("file.writeResult", (string?)header["execId"], (long)n), ((string?)reply["type"], (string?)reply["execId"], (long)reply["size"]!));
        }

        var back = new List<byte>();
        JsonObject last = await ReadBinaryRangeAsync(ws, "dir/blob.bin", 0, 512 * 1024, back);
        Assert.Equal((0L, (long)content.Length, false), ((long)last["offset"]!, (long)last["size"]!, (bool)last["eof"]!));
        await ReadBinaryRangeAsync(ws, "dir/blob.bin", 512 * 1024, 512 * 1024, back);
        last = await ReadBinaryRangeAsync(ws, "dir/blob.bin", 1024 * 1024, 512 * 1024, back);
        Assert.True((bool)last["eof"]!);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(back.ToArray()));

        // A whole-file binary read carries no range fields, and stays bounded like the JSON one (§3.8).
        await SendBinaryAsync(ws, Envelope(WriteHeader("small.bin"), [1, 2, 3]));
        Assert.Equal("file.writeResult", (string?)(await ws.ReceiveAsync())["type"]);
        await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "small.bin", ["binary"] = true });
        (JsonObject wholeHeader, byte[] whole) = Open((await ReceiveRawAsync(ws)).Bytes);
        Assert.Equal(new byte[] { 1, 2, 3 }, whole);
        Assert.Null(wholeHeader["offset"]);
        await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "dir/blob.bin", ["binary"] = true });
        Assert.Equal("FILE_TOO_LARGE", (string?)(await ws.ReceiveAsync())["code"]);
    }

    [Fact]
    public async Task Uploads_AreReceivedInto64KiBBlocksOfTheServersPool()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        byte[] content = RandomNumberGenerator.GetBytes(4 << 20);
        long before = h.Server.ReceiveBlocks.Rents;
        await SendBinaryAsync(ws, Envelope(WriteHeader("pooled.bin"), content));
        Assert.Equal("file.writeResult", (string?)(await ws.ReceiveAsync())["type"]);

        // Kestrel's own 4 KiB blocks would take at least 1024 rents for 4 MiB, and none of them from this pool.
        long rents = h.Server.ReceiveBlocks.Rents - before;
        Assert.InRange(rents, 64, 512);
        Assert.InRange(h.Server.ReceiveBlocks.RetainedBlocks, 1, ReceiveBlockPool.MaxRetainedBlocks);
        // Reused: at most what one connection may buffer (Kestrel's 1 MiB input limit = 16 blocks) plus a few for answers.
        Assert.True(h.Server.ReceiveBlocks.Allocated <= 24, $"{h.Server.ReceiveBlocks.Allocated} blocks allocated for {rents} rents: the pool does not reuse them");
    }

    [Fact]
    public async Task ReadsThatDidNotAskForBinary_AreAnsweredWithJsonText()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        await SendBinaryAsync(ws, Envelope(WriteHeader("a.txt"), "hello"u8));
        Assert.Equal("file.writeResult", (string?)(await ws.ReceiveAsync())["type"]);

        foreach (JsonObject read in new[]
        {
            new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "a.txt" },
            new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "a.txt", ["offset"] = 0, ["length"] = 5 },
            new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "a.txt", ["binary"] = false },
        })
        {
            await ws.SendAsync(read);
            (WebSocketMessageType type, byte[] bytes, _) = await ReceiveRawAsync(ws);
            Assert.Equal(WebSocketMessageType.Text, type);
            Assert.Equal("aGVsbG8=", (string?)JsonNode.Parse(bytes)!["content"]);
        }
    }

    [Fact]
    public async Task JsonInABinaryMessage_IsStillTheBaseProtocol()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string json = new JsonObject { ["type"] = "file.write", ["execId"] = Frames.NewFileId(), ["path"] = "j.txt", ["content"] = "aGk=", ["encoding"] = "base64" }.ToJsonString();
        await SendBinaryAsync(ws, Encoding.UTF8.GetBytes(json));
        Assert.Equal(2, (long)(await ws.ReceiveAsync())["size"]!);
    }

    [Fact]
    public async Task StrictMode_DoesNotHonourIt_BinaryFieldIgnored_EnvelopeIsMalformed()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync(o => o.StrictProtocol = true);
        JsonObject created = await h.CreateAsync();
        Assert.DoesNotContain("file.binary", created["extensions"]!.AsArray().Select(e => (string?)e));
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);
        await ws.SendAsync(new JsonObject { ["type"] = "file.write", ["execId"] = Frames.NewFileId(), ["path"] = "a.txt", ["content"] = "aGk=", ["encoding"] = "base64" });
        Assert.Equal("file.writeResult", (string?)(await ws.ReceiveAsync())["type"]);

        await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "a.txt", ["binary"] = true });
        (WebSocketMessageType type, byte[] bytes, _) = await ReceiveRawAsync(ws);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("aGk=", (string?)JsonNode.Parse(bytes)!["content"]);

        await SendBinaryAsync(ws, Envelope(WriteHeader("b.txt"), "x"u8));
        Assert.Equal((WebSocketCloseStatus)4004, await ws.ReceiveCloseAsync());
        await AssertMissingAsync(created, "b.txt");
    }

    public static TheoryData<string, byte[]> MalformedEnvelopes => new()
    {
        { "reserved byte set", Envelope(Encoding.UTF8.GetBytes(WriteHeader("m.bin").ToJsonString()), [1], reserved: 1) },
        { "header length past the end", Envelope(Encoding.UTF8.GetBytes(WriteHeader("m.bin").ToJsonString()), [], declared: 4000) },
        { "header length over 32 KiB", Envelope(Encoding.UTF8.GetBytes(WriteHeader("m.bin").ToJsonString()), new byte[40_000], declared: 40_000) },
        { "prefix cut short", [0xB1, 0, 0] },
        { "header not JSON", Envelope("{\"type\":\"file.write\",\"path\":\"m.bin\""u8.ToArray(), [1]) },
        { "header not UTF-8", Envelope([.. "{\"type\":\"file.write\",\"execId\":\"file-1\",\"path\":\"m.bin\",\"x\":\""u8, 0xC3, 0x28, .. "\"}"u8], [1]) },
        { "header type other than file.write", Envelope(new JsonObject { ["type"] = "exec.run", ["execId"] = Frames.NewExecId(), ["command"] = "touch m.bin" }, []) },
        { "a server frame type", Envelope(new JsonObject { ["type"] = "file.content", ["execId"] = Frames.NewFileId(), ["path"] = "m.bin" }, [1]) },
    };

    [Theory]
    [MemberData(nameof(MalformedEnvelopes))]
    public async Task MalformedEnvelope_ClosesWith4004_AndWritesNothing(string what, byte[] message)
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        JsonObject created = await h.CreateAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);

        await SendBinaryAsync(ws, message);

        Assert.True((WebSocketCloseStatus)4004 == await ws.ReceiveCloseAsync(), what);
        // Refused by the envelope's own checks (its reason says so), not merely as JSON that does not parse.
        Assert.Contains("malformed binary frame", ws.Socket.CloseStatusDescription, StringComparison.Ordinal);
        await AssertMissingAsync(created, "m.bin");
    }

    public static TheoryData<string, JsonObject, string> InvalidHeaders => new()
    {
        { "content beside the binary data", new JsonObject { ["type"] = "file.write", ["execId"] = Frames.NewFileId(), ["path"] = "v.bin", ["content"] = "aGk=" }, "content" },
        { "encoding beside the binary data", new JsonObject { ["type"] = "file.write", ["execId"] = Frames.NewFileId(), ["path"] = "v.bin", ["encoding"] = "base64" }, "encoding" },
        { "no execId", new JsonObject { ["type"] = "file.write", ["path"] = "v.bin" }, "execId" },
        { "execId of the wrong type", new JsonObject { ["type"] = "file.write", ["execId"] = 7, ["path"] = "v.bin" }, "execId" },
        { "no path", new JsonObject { ["type"] = "file.write", ["execId"] = Frames.NewFileId() }, "path" },
        { "negative offset", new JsonObject { ["type"] = "file.write", ["execId"] = Frames.NewFileId(), ["path"] = "v.bin", ["offset"] = -1 }, "offset" },
    };

    [Theory]
    [MemberData(nameof(InvalidHeaders))]
    public async Task InvalidHeaderField_IsAnInvalidRequest_TheConnectionStaysOpen(string what, JsonObject header, string named)
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        JsonObject created = await h.CreateAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);

        await SendBinaryAsync(ws, Envelope(header, "data"u8));
        JsonObject error = await ws.ReceiveAsync();

        Assert.True((string?)error["type"] == "error" && (string?)error["code"] == "INVALID_REQUEST", what + ": " + error.ToJsonString());
        Assert.Contains(named, (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal(header["execId"] is JsonValue v && v.TryGetValue(out string? id) ? id : null, (string?)error["execId"]);
        await AssertMissingAsync(created, "v.bin");
        await SendBinaryAsync(ws, Envelope(WriteHeader("after.bin"), "ok"u8));
        Assert.Equal("file.writeResult", (string?)(await ws.ReceiveAsync())["type"]);
    }

    [Fact]
    public async Task EnvelopeOverTheMessageCap_ClosesWith1009()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        JsonObject created = await h.CreateAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);

        await SendBinaryAsync(ws, Envelope(WriteHeader("huge.bin"), new byte[(16 * 1024 * 1024) + 1]));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await ws.ReceiveCloseAsync());
        await AssertMissingAsync(created, "huge.bin");
    }
}
