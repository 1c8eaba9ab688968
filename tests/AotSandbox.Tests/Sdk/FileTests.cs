using System.Text;
using System.Text.Json;
using AotSandbox.Tests.Sdk.Fakes;

namespace AotSandbox.Tests.Sdk;

/// <summary>File operations (docs/PROTOCOL.md §3.8) including the opt-in <c>file.range</c> extension.</summary>
public sealed class FileTests
{
    [Fact]
    public async Task WriteReadList_RoundTrip()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<WriteResult> write = sandbox.WriteFileAsync("hello.js", "const x = 1");
        string frame = await transport.NextSentAsync();
        string id = TestSandbox.ExecIdOf(frame);
        Assert.Matches("^file-[0-9a-f]{24}$", id);
        Assert.Equal($"{{\"type\":\"file.write\",\"execId\":\"{id}\",\"path\":\"hello.js\",\"content\":\"Y29uc3QgeCA9IDE=\",\"encoding\":\"base64\"}}", frame);
        transport.Enqueue($"{{\"type\":\"file.writeResult\",\"execId\":\"{id}\",\"path\":\"/workspace/hello.js\",\"size\":11,\"ok\":true}}");
        WriteResult result = await write;
        Assert.Equal(("/workspace/hello.js", 11L, true), (result.Path, result.Size, result.Ok));

        Task<string> read = sandbox.ReadFileAsync("hello.js");
        id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"file.content\",\"execId\":\"{id}\",\"content\":\"Y29uc29sZS5sb2coImhpIik=\",\"encoding\":\"base64\"}}");
        Assert.Equal("console.log(\"hi\")", await read);

        Task<string> raw = sandbox.ReadFileAsync("plain.txt");
        id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"file.content\",\"execId\":\"{id}\",\"content\":\"as-is \\u00e9\"}}");
        Assert.Equal("as-is é", await raw);

        Task<IReadOnlyList<FileEntry>> list = sandbox.ListFilesAsync(".");
        id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"file.entries\",\"execId\":\"{id}\",\"entries\":[{{\"name\":\"hello.js\",\"type\":\"file\",\"size\":42}},{{\"name\":\"src\",\"type\":\"directory\"}}]}}");
        IReadOnlyList<FileEntry> entries = await list;
        Assert.Equal(["hello.js", "src"], entries.Select(e => e.Name));

        Task<IReadOnlyList<FileEntry>> empty = sandbox.ListFilesAsync("e");
        id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"file.entries\",\"execId\":\"{id}\"}}");
        Assert.Empty(await empty);
    }

    [Fact]
    public async Task ReadFile_EscapedSolidusInBase64_IsDecoded()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<byte[]> read = sandbox.ReadFileBytesAsync("bin");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"file.content\",\"execId\":\"{id}\",\"content\":\"AAEC\\/w==\",\"encoding\":\"base64\"}}");
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, await read);
    }

    [Theory]
    [InlineData("AAEC\\n/w==")]
    [InlineData("AAEC\\r\\n/w==\\n")]
    [InlineData("AA EC\\t/w==")]
    public async Task ReadFile_Base64WithLineBreaks_IsDecoded(string content)
    {
        // MIME-style base64 (line breaks every 76 characters, as some encoders write it) decodes like the service's own
        // clients decode it: whitespace between the characters is ignored.
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<byte[]> read = sandbox.ReadFileBytesAsync("bin");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"file.content\",\"execId\":\"{id}\",\"content\":\"{content}\",\"encoding\":\"base64\"}}");
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, await read);
    }

    [Fact]
    public async Task ReadFile_InvalidUtf8_TellsToUseReadFileBytes()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<string> read = sandbox.ReadFileAsync("bin");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"file.content\",\"execId\":\"{id}\",\"content\":\"//79\",\"encoding\":\"base64\"}}");
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => read);
        Assert.Contains("ReadFileBytesAsync", error.Message);
    }

    [Fact]
    public async Task Write_NotOk_AndErrorFrame_AreClientErrors()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<WriteResult> write = sandbox.WriteFileAsync("/ro/x", "x");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"file.writeResult\",\"execId\":\"{id}\",\"path\":\"/ro/x\",\"ok\":false}}");
        Assert.Equal("file.write failed for path '/ro/x'", (await Assert.ThrowsAsync<SandboxClientException>(() => write)).Message);

        Task<string> read = sandbox.ReadFileAsync("missing");
        id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"error\",\"execId\":\"{id}\",\"code\":\"ENOENT\",\"message\":\"no such file\"}}");
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => read);
        Assert.Equal(("no such file", "ENOENT"), (error.Message, error.ErrorCode));
    }

    [Fact]
    public async Task LargeWrite_WithoutFileRange_GoesByCommandInFramesUnder1MiB_WithIt_OrderedChunksUnder1MiB()
    {
        byte[] content = new byte[1_200_000];
        new Random(1).NextBytes(content);

        // Without file.range one file.write would be over the service's 1 MiB cap: the content goes as stdin of
        // `cat` into a temporary file, which `mv` then renames over the target (docs/PROTOCOL.md §3.8).
        (Sandbox plain, InMemoryTransport t1) = await TestSandbox.ConnectedAsync();
        var commands = new List<string>();
        var stdin = new List<byte>();
        t1.OnClientFrame = (t, frame) =>
        {
            using var doc = JsonDocument.Parse(frame);
            string execId = doc.RootElement.TryGetProperty("execId", out JsonElement id) ? id.GetString()! : string.Empty;
            switch (doc.RootElement.GetProperty("type").GetString())
            {
                case "exec.run":
                    commands.Add(doc.RootElement.GetProperty("command").GetString()!);
                    if (commands[^1].StartsWith("mv ", StringComparison.Ordinal))
                    {
                        t.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{execId}\",\"exitCode\":0}}");
                    }

                    break;
                case "exec.input":
                    Assert.Equal("base64", doc.RootElement.GetProperty("encoding").GetString());
                    stdin.AddRange(Convert.FromBase64String(doc.RootElement.GetProperty("data").GetString()!));
                    break;
                case "exec.endInput":
                    t.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{execId}\",\"exitCode\":0}}");
                    break;
            }
        };
        WriteResult one = await plain.WriteFileAsync("big", content);
        Assert.True(one.Ok);
        Assert.Equal(content.Length, one.Size);
        Assert.Equal(2, commands.Count);
        Assert.Matches(@"^mkdir -p -- ""\$\(dirname -- 'big'\)"" && cat > '\.aotsb-upload-[0-9a-f]{32}'$", commands[0]);
        Assert.Matches(@"^mv -f -- '\.aotsb-upload-[0-9a-f]{32}' 'big'$", commands[1]);
        Assert.Equal(content, stdin.ToArray());
        Assert.DoesNotContain(t1.Sent, f => f.Contains("\"file.write\"", StringComparison.Ordinal));
        Assert.All(t1.Sent, f => Assert.True(Encoding.UTF8.GetByteCount(f) < 1024 * 1024));

        (Sandbox ranged, InMemoryTransport t2) = await TestSandbox.ConnectedAsync([SandboxExtensionNames.FileRange]);
        t2.OnClientFrame = AnswerWrites;
        WriteResult chunked = await ranged.WriteFileAsync("big", content);
        Assert.Equal(content.Length, chunked.Size);
        List<string> writes = t2.Sent.Skip(1).ToList();
        Assert.Equal(3, writes.Count);
        var reassembled = new List<byte>();
        long? expectedOffset = null;
        foreach (string w in writes)
        {
            Assert.True(Encoding.UTF8.GetByteCount(w) < 1024 * 1024);
            using var doc = JsonDocument.Parse(w);
            long? offset = doc.RootElement.TryGetProperty("offset", out JsonElement o) ? o.GetInt64() : null;
            Assert.Equal(expectedOffset, offset);
            byte[] part = Convert.FromBase64String(doc.RootElement.GetProperty("content").GetString()!);
            reassembled.AddRange(part);
            expectedOffset = reassembled.Count;
        }

        Assert.Equal(content, reassembled.ToArray());
    }

    [Fact]
    public async Task LargeRead_WithFileRange_FetchesRangesUntilEof()
    {
        byte[] content = new byte[1_100_000];
        new Random(2).NextBytes(content);
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync([SandboxExtensionNames.FileRange]);
        transport.OnClientFrame = (t, frame) =>
        {
            using var doc = JsonDocument.Parse(frame);
            if (doc.RootElement.GetProperty("type").GetString() != "file.read")
            {
                return;
            }

            long offset = doc.RootElement.GetProperty("offset").GetInt64();
            int length = doc.RootElement.GetProperty("length").GetInt32();
            int n = (int)Math.Min(length, content.Length - offset);
            bool eof = offset + n >= content.Length;
            string b64 = Convert.ToBase64String(content, (int)offset, n);
            t.Enqueue($"{{\"type\":\"file.content\",\"execId\":\"{doc.RootElement.GetProperty("execId").GetString()}\",\"content\":\"{b64}\",\"encoding\":\"base64\",\"offset\":{offset},\"size\":{content.Length},\"eof\":{(eof ? "true" : "false")}}}");
        };
        byte[] read = await sandbox.ReadFileBytesAsync("big");
        Assert.Equal(content, read);
        Assert.Equal(4, transport.Sent.Count); // auth + 3 ranges
    }

    [Fact]
    public async Task RangedWrite_AfterTheTruncatingFirstChunk_KeepsUpTo4ChunksInFlight()
    {
        // A fake server that answers the first chunk at once but holds every later reply until 4 chunks wait
        // (or the rest of the file): a client that waits for each reply before sending the next never gets there.
        byte[] content = new byte[(512 * 1024 * 6) + 1000];
        new Random(3).NextBytes(content);
        byte[] written = new byte[content.Length];
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync([SandboxExtensionNames.FileRange]);
        var held = new List<(string Id, int Size)>();
        int maxInFlight = 0;
        bool firstAnswered = false;
        int chunksLeft = 7;
        transport.OnClientFrame = (t, frame) =>
        {
            using var doc = JsonDocument.Parse(frame);
            if (doc.RootElement.GetProperty("type").GetString() != "file.write")
            {
                return;
            }

            string id = doc.RootElement.GetProperty("execId").GetString()!;
            byte[] part = Convert.FromBase64String(doc.RootElement.GetProperty("content").GetString()!);
            long offset = doc.RootElement.TryGetProperty("offset", out JsonElement o) ? o.GetInt64() : 0;
            // The first chunk truncates the file: nothing may be sent before it is confirmed.
            Assert.True(firstAnswered || offset == 0, "a later chunk was sent before the truncating first chunk was confirmed");
            part.CopyTo(written, offset);
            chunksLeft--;
            held.Add((id, part.Length));
            maxInFlight = Math.Max(maxInFlight, held.Count);
            if (!firstAnswered || held.Count == 4 || chunksLeft == 0)
            {
                firstAnswered = true;
                foreach ((string heldId, int size) in held)
                {
                    t.Enqueue($"{{\"type\":\"file.writeResult\",\"execId\":\"{heldId}\",\"path\":\"big\",\"size\":{size},\"ok\":true}}");
                }

                held.Clear();
            }
        };
        WriteResult result = await sandbox.WriteFileAsync("big", content).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(content.Length, result.Size);
        Assert.Equal(content, written);
        Assert.Equal(4, maxInFlight);
    }

    [Fact]
    public async Task RangedRead_AfterTheFirstRange_KeepsUpTo4RangesInFlight()
    {
        byte[] content = new byte[(512 * 1024 * 6) + 1000];
        new Random(4).NextBytes(content);
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync([SandboxExtensionNames.FileRange]);
        var held = new List<string>();
        int maxInFlight = 0;
        int reads = 0;
        transport.OnClientFrame = (t, frame) =>
        {
            using var doc = JsonDocument.Parse(frame);
            if (doc.RootElement.GetProperty("type").GetString() != "file.read")
            {
                return;
            }

            reads++;
            long offset = doc.RootElement.GetProperty("offset").GetInt64();
            int length = doc.RootElement.GetProperty("length").GetInt32();
            int n = (int)Math.Clamp(content.Length - offset, 0, length);
            bool eof = offset + n >= content.Length;
            string b64 = Convert.ToBase64String(content, (int)Math.Min(offset, content.Length), n);
            held.Add($"{{\"type\":\"file.content\",\"execId\":\"{doc.RootElement.GetProperty("execId").GetString()}\",\"content\":\"{b64}\",\"encoding\":\"base64\",\"offset\":{offset},\"size\":{content.Length},\"eof\":{(eof ? "true" : "false")}}}");
            maxInFlight = Math.Max(maxInFlight, held.Count);
            // Replies are held until 4 wait (or the last range was asked for), then released newest first.
            if (reads == 1 || held.Count == 4 || offset + length >= content.Length)
            {
                for (int i = held.Count - 1; i >= 0; i--)
                {
                    t.Enqueue(held[i]);
                }

                held.Clear();
            }
        };
        byte[] read = await sandbox.ReadFileBytesAsync("big").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(content, read);
        Assert.Equal(4, maxInFlight);
        Assert.Equal(7, reads); // no range past the size the first reply gave
    }

    private static void AnswerWrites(InMemoryTransport t, string frame)
    {
        using var doc = JsonDocument.Parse(frame);
        if (doc.RootElement.GetProperty("type").GetString() == "file.write")
        {
            int size = Convert.FromBase64String(doc.RootElement.GetProperty("content").GetString()!).Length;
            t.Enqueue($"{{\"type\":\"file.writeResult\",\"execId\":\"{doc.RootElement.GetProperty("execId").GetString()}\",\"path\":\"big\",\"size\":{size},\"ok\":true}}");
        }
    }
}
