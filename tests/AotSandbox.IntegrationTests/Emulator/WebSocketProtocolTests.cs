using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>The data plane against the fake runtime: fast, runs anywhere.</summary>
public sealed class WebSocketProtocolTests_FakeRuntime : WebSocketProtocolTests
{
    private protected override Task<EmulatorHarness> StartAsync() => EmulatorHarness.StartAsync();
}

/// <summary>The same data-plane tests against real bubblewrap sandboxes (needs root, bwrap, cgroup v1).</summary>
[Collection(RealSandboxCollection.Name)]
public sealed class WebSocketProtocolTests_BubblewrapRuntime : WebSocketProtocolTests
{
    private protected override Task<EmulatorHarness> StartAsync() => EmulatorHarness.StartRealAsync();
}

/// <summary>Real-sandbox tests share one uid range and cgroup parent, so they must not run in parallel with each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealSandboxCollection
{
    public const string Name = "real sandboxes";
}

/// <summary>The data plane against docs/PROTOCOL.md §3, §4 and §5.</summary>
public abstract class WebSocketProtocolTests
{
    private protected abstract Task<EmulatorHarness> StartAsync();

    [Fact]
    public async Task Auth_GoodToken_AuthOkIsFirstFrame()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
    }

    [Fact]
    public async Task Auth_BadToken_AuthErrorThen4001()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync();
        await using WsClient ws = await WsClient.OpenAsync(new Uri((string)created["wsEndpoint"]!));
        await ws.SendAsync(new JsonObject { ["type"] = "auth", ["token"] = "wrong" });
        Assert.Equal("auth.error", (string?)(await ws.ReceiveAsync())["type"]);
        Assert.Equal((WebSocketCloseStatus)4001, await ws.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Auth_TokenOfAnotherSandbox_Is4001()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject a = await h.CreateAsync();
        JsonObject b = await h.CreateAsync();
        await using WsClient ws = await WsClient.OpenAsync(new Uri((string)a["wsEndpoint"]!));
        await ws.SendAsync(new JsonObject { ["type"] = "auth", ["token"] = (string)b["token"]! });
        Assert.Equal("auth.error", (string?)(await ws.ReceiveAsync())["type"]);
        Assert.Equal((WebSocketCloseStatus)4001, await ws.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Auth_NoFrameInTime_Is4001()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await WsClient.OpenAsync(new Uri((string)(await h.CreateAsync())["wsEndpoint"]!));
        Assert.Equal("auth.error", (string?)(await ws.ReceiveAsync(5))["type"]);
        Assert.Equal((WebSocketCloseStatus)4001, await ws.ReceiveCloseAsync());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"execId\":\"exec-1\"}")]
    [InlineData("{\"type\":5}")]
    public async Task MalformedFrame_AfterAuth_Closes4004(string raw)
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        await ws.SendRawAsync(raw);
        Assert.Equal((WebSocketCloseStatus)4004, await ws.ReceiveCloseAsync());
    }

    [Fact]
    public async Task OtherMajorVersionPath_Closes4003()
    {
        await using EmulatorHarness h = await StartAsync();
        string endpoint = ((string)(await h.CreateAsync())["wsEndpoint"]!).Replace("/api/v1/", "/api/v2/", StringComparison.Ordinal);
        await using WsClient ws = await WsClient.OpenAsync(new Uri(endpoint));
        Assert.Equal((WebSocketCloseStatus)4003, await ws.ReceiveCloseAsync());
    }

    [Fact]
    public async Task LegacyWsPath_Works()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync();
        created["wsEndpoint"] = ((string)created["wsEndpoint"]!).Replace("/api/v1/namespaces/ns-a/sandboxes/", "/ws/v1/namespaces/ns-a/sandbox/", StringComparison.Ordinal);
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);
    }

    [Fact]
    public async Task ForegroundExec_StreamsOutputThenExactlyOneExit_NoAck()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string id = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(id, "echo hello; echo oops >&2; exit 3"));
        List<JsonObject> frames = await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        Assert.DoesNotContain(frames, f => (string?)f["type"] == "exec.detached");
        Assert.Equal("hello\n", Frames.Stdout(frames, id));
        Assert.Contains(frames, f => (string?)f["stream"] == "stderr" && (string?)f["data"] == "oops\n");
        Assert.Equal(3, (int)frames[^1]["exitCode"]!);
    }

    [Fact]
    public async Task Stdin_SentRightAfterRun_IsDelivered_TextAndBase64()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string id = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(id, "cat"));
        await ws.SendAsync(new JsonObject { ["type"] = "exec.input", ["execId"] = id, ["data"] = "line 1\n" });
        await ws.SendAsync(new JsonObject { ["type"] = "exec.input", ["execId"] = id, ["data"] = Convert.ToBase64String("bin\n"u8), ["encoding"] = "base64" });
        await ws.SendAsync(new JsonObject { ["type"] = "exec.endInput", ["execId"] = id });
        List<JsonObject> frames = await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        Assert.Equal("line 1\nbin\n", Frames.Stdout(frames, id));
        Assert.Equal(0, (int)frames[^1]["exitCode"]!);
    }

    [Fact]
    public async Task Envs_FromCreate_AreVisibleToCommands()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync("{\"envs\":{\"GREETING\":\"hi there\"}}"));
        string id = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(id, "echo \"$GREETING\""));
        Assert.Equal("hi there\n", Frames.Stdout(await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id)), id));
    }

    [Fact]
    public async Task ForegroundExec_WithLingeringBackgroundChild_ExitsWhenTheShellExits()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string id = Frames.NewExecId();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ws.SendAsync(Frames.Run(id, "sleep 30 & echo started"));
        List<JsonObject> frames = await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal("started\n", Frames.Stdout(frames, id));
        Assert.Equal(0, (int)frames[^1]["exitCode"]!);
    }

    [Fact]
    public async Task Stdin_ToAProcessThatNeverReads_IsBoundedWithStdinOverflow()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string id = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(id, "sleep 30"));
        string chunk = Convert.ToBase64String(new byte[1024 * 1024]);
        for (int i = 0; i < 10; i++)
        {
            await ws.SendAsync(new JsonObject { ["type"] = "exec.input", ["execId"] = id, ["data"] = chunk, ["encoding"] = "base64" });
        }

        JsonObject error = await ws.ReceiveAsync();
        Assert.Equal("STDIN_OVERFLOW", (string?)error["code"]);
        await ws.SendAsync(new JsonObject { ["type"] = "exec.kill", ["execId"] = id, ["signal"] = "SIGKILL" });
        await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id));
    }

    [Fact]
    public async Task DetachedExec_AckPrecedesOutputAndExit_WithMillisecondStartedAt()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string id = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(id, "echo fast", detached: true));
        List<JsonObject> frames = await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        Assert.Equal("exec.detached", (string?)frames[0]["type"]);
        Assert.True((int)frames[0]["pid"]! > 0);
        Assert.True((long)frames[0]["startedAt"]! > 100_000_000_000);
        Assert.Equal("fast\n", Frames.Stdout(frames, id));
    }

    [Fact]
    public async Task SixthRunningDetached_IsLimitExceeded_AndOthersKeepRunning()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        for (int i = 0; i < 5; i++)
        {
            string id = Frames.NewExecId();
            await ws.SendAsync(Frames.Run(id, "sleep 30", detached: true));
            Assert.Equal("exec.detached", (string?)(await ws.ReceiveAsync())["type"]);
        }

        string sixth = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(sixth, "sleep 30", detached: true));
        JsonObject error = await ws.ReceiveAsync();
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("LIMIT_EXCEEDED", (string?)error["code"]);
        Assert.Equal(sixth, (string?)error["execId"]);

        // Foreground commands are not counted against the detached limit.
        string fg = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(fg, "echo still"));
        Assert.Equal("still\n", Frames.Stdout(await ws.ReceiveUntilAsync(f => Frames.IsExit(f, fg)), fg));
    }

    [Fact]
    public async Task ExecGet_FromSecondConnection_GetsInfoAndLiveOutput()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync();
        await using WsClient first = await EmulatorHarness.ConnectAsync(created);
        string id = Frames.NewExecId();
        await first.SendAsync(Frames.Run(id, "read line; echo got $line", detached: true));
        Assert.Equal("exec.detached", (string?)(await first.ReceiveAsync())["type"]);

        await using WsClient second = await EmulatorHarness.ConnectAsync(created);
        await second.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = id });
        JsonObject info = await second.ReceiveAsync();
        Assert.Equal("exec.info", (string?)info["type"]);
        Assert.Equal("read line; echo got $line", (string?)info["command"]);
        Assert.True((bool)info["detached"]!);
        Assert.Null(info["exited"]); // Extension fields only when asked for.

        await second.SendAsync(new JsonObject { ["type"] = "exec.input", ["execId"] = id, ["data"] = "x\n" });
        List<JsonObject> onSecond = await second.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        List<JsonObject> onFirst = await first.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        Assert.Equal("got x\n", Frames.Stdout(onSecond, id));
        Assert.Equal("got x\n", Frames.Stdout(onFirst, id));
    }

    [Fact]
    public async Task ExecGet_WithReplay_ReplaysOutputAndExitOfExitedDetached()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync();
        string id = Frames.NewExecId();
        await using (WsClient first = await EmulatorHarness.ConnectAsync(created))
        {
            await first.SendAsync(Frames.Run(id, "echo one; echo two; exit 7", detached: true));
            await first.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        }

        await using WsClient second = await EmulatorHarness.ConnectAsync(created);
        await second.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = id });
        Assert.Equal("NOT_FOUND", (string?)(await second.ReceiveAsync())["code"]);

        await second.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = id, ["replay"] = true });
        List<JsonObject> frames = await second.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        Assert.Equal("exec.info", (string?)frames[0]["type"]);
        Assert.True((bool)frames[0]["exited"]!);
        Assert.Equal(7, (int)frames[0]["exitCode"]!);
        Assert.False((bool)frames[0]["replayTruncated"]!);
        Assert.Equal("one\ntwo\n", Frames.Stdout(frames, id));
        Assert.Equal(7, (int)frames[^1]["exitCode"]!);
    }

    [Fact]
    public async Task ExecGet_WithReplay_OfMoreThanOneMiB_KeepsTheTailAndSaysTruncated()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync();
        string id = Frames.NewExecId();
        await using (WsClient first = await EmulatorHarness.ConnectAsync(created))
        {
            await first.SendAsync(Frames.Run(id, "head -c 3000000 /dev/zero | tr '\\0' 'a'; echo END", detached: true));
            await first.ReceiveUntilAsync(f => Frames.IsExit(f, id), 30);
        }

        await using WsClient second = await EmulatorHarness.ConnectAsync(created);
        await second.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = id, ["replay"] = true });
        List<JsonObject> frames = await second.ReceiveUntilAsync(f => Frames.IsExit(f, id), 30);
        Assert.True((bool)frames[0]["replayTruncated"]!);
        string replayed = Frames.Stdout(frames, id);
        Assert.EndsWith("aEND\n", replayed, StringComparison.Ordinal);
        Assert.InRange(replayed.Length, 512 * 1024, 1024 * 1024);
    }

    [Fact]
    public async Task TinyFrameFlood_IsPacedButAllAnswered()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        const int Count = 3000;
        Task sender = Task.Run(async () =>
        {
            for (int i = 0; i < Count; i++)
            {
                await ws.SendAsync(new JsonObject { ["type"] = "exec.endInput", ["execId"] = "exec-none" });
            }
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal("NOT_FOUND", (string?)(await ws.ReceiveAsync())["code"]);
        }

        await sender;
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"3000 frames took only {clock.Elapsed}: not paced");
    }

    [Fact]
    public async Task ExecGet_WithReplay_OfRunningExec_ReplaysThenContinuesLive()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync();
        await using WsClient first = await EmulatorHarness.ConnectAsync(created);
        string id = Frames.NewExecId();
        await first.SendAsync(Frames.Run(id, "echo before; read x; echo after", detached: true));
        await first.ReceiveUntilAsync(f => (string?)f["data"] == "before\n");

        await using WsClient second = await EmulatorHarness.ConnectAsync(created);
        await second.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = id, ["replay"] = true });
        await second.ReceiveUntilAsync(f => (string?)f["data"] == "before\n");
        await second.SendAsync(new JsonObject { ["type"] = "exec.endInput", ["execId"] = id });
        List<JsonObject> rest = await second.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        Assert.Equal("after\n", Frames.Stdout(rest, id));
    }

    [Fact]
    public async Task UnknownExecIds_InputEndInputKillGet_AreNotFoundAndConnectionStaysOpen()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        foreach (string type in new[] { "exec.input", "exec.endInput", "exec.kill", "exec.get" })
        {
            await ws.SendAsync(new JsonObject { ["type"] = type, ["execId"] = "exec-gone", ["data"] = "x", ["signal"] = "SIGTERM" });
            JsonObject error = await ws.ReceiveAsync();
            Assert.Equal("NOT_FOUND", (string?)error["code"]);
            Assert.Equal("exec-gone", (string?)error["execId"]);
        }

        await ws.SendAsync(new JsonObject { ["type"] = "exec.teleport", ["execId"] = "exec-x" });
        Assert.Equal("UNSUPPORTED", (string?)(await ws.ReceiveAsync())["code"]);
    }

    [Fact]
    public async Task ExecIdOfAnotherSandbox_BehavesLikeUnknown()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient a = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        await using WsClient b = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string id = Frames.NewExecId();
        await a.SendAsync(Frames.Run(id, "sleep 30", detached: true));
        await a.ReceiveAsync();
        foreach (string type in new[] { "exec.get", "exec.kill" })
        {
            await b.SendAsync(new JsonObject { ["type"] = type, ["execId"] = id, ["replay"] = true });
            Assert.Equal("NOT_FOUND", (string?)(await b.ReceiveAsync())["code"]);
        }
    }

    [Fact]
    public async Task Kill_EndsTheProcess_With128PlusSignal_AndBadSignalIsRejected()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string id = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(id, "sleep 30"));
        await ws.SendAsync(new JsonObject { ["type"] = "exec.kill", ["execId"] = id, ["signal"] = "SIGBOGUS" });
        Assert.Equal("INVALID_SIGNAL", (string?)(await ws.ReceiveAsync())["code"]);
        await ws.SendAsync(new JsonObject { ["type"] = "exec.kill", ["execId"] = id, ["signal"] = "SIGKILL" });
        List<JsonObject> frames = await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        Assert.Equal(137, (int)frames[^1]["exitCode"]!);
    }

    [Fact]
    public async Task ForegroundExec_ItsConnectionCloses_IsKilled_DetachedSurvives()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync();
        string fg = Frames.NewExecId(), bg = Frames.NewExecId();
        await using (WsClient first = await EmulatorHarness.ConnectAsync(created))
        {
            await first.SendAsync(Frames.Run(bg, "sleep 30", detached: true));
            await first.ReceiveAsync();
            await first.SendAsync(Frames.Run(fg, "echo started; sleep 30"));
            await first.ReceiveUntilAsync(f => (string?)f["data"] == "started\n");
        }

        await using WsClient second = await EmulatorHarness.ConnectAsync(created);
        DateTime deadline = DateTime.UtcNow.AddSeconds(5);
        string? code;
        do
        {
            code = (string?)(await GetAsync(second, fg))["code"];
        }
        while (code != "NOT_FOUND" && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal("NOT_FOUND", code);
        Assert.Equal("exec.info", (string?)(await GetAsync(second, bg))["type"]);
    }

    /// <summary>Sends exec.get and returns its answer, skipping frames of earlier attachments.</summary>
    private static async Task<JsonObject> GetAsync(WsClient ws, string execId)
    {
        await ws.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = execId });
        return (await ws.ReceiveUntilAsync(f => (string?)f["execId"] == execId && (string?)f["type"] is "exec.info" or "error"))[^1];
    }

    [Fact]
    public async Task FileOps_WriteReadList_AndErrors()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string w = Frames.NewFileId();
        await ws.SendAsync(new JsonObject { ["type"] = "file.write", ["execId"] = w, ["path"] = "dir/hello.js", ["content"] = Convert.ToBase64String("const x = 1"u8), ["encoding"] = "base64" });
        JsonObject written = await ws.ReceiveAsync();
        Assert.Equal("file.writeResult", (string?)written["type"]);
        Assert.Equal(11, (int)written["size"]!);
        Assert.True((bool)written["ok"]!);
        Assert.Equal("dir/hello.js", (string?)written["path"]);

        await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "dir/hello.js" });
        JsonObject content = await ws.ReceiveAsync();
        Assert.Equal("base64", (string?)content["encoding"]);
        Assert.Equal("const x = 1", Encoding.UTF8.GetString(Convert.FromBase64String((string)content["content"]!)));
        Assert.Null(content["offset"]);

        await ws.SendAsync(new JsonObject { ["type"] = "file.list", ["execId"] = Frames.NewFileId(), ["path"] = "." });
        JsonObject list = await ws.ReceiveAsync();
        JsonObject dir = list["entries"]!.AsArray().Single()!.AsObject();
        Assert.Equal("dir", (string?)dir["name"]);
        Assert.Equal("directory", (string?)dir["type"]);
        Assert.Null(dir["size"]);

        await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = "file-missing", ["path"] = "nope.txt" });
        JsonObject error = await ws.ReceiveAsync();
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("ENOENT", (string?)error["code"]);
        Assert.Equal("file-missing", (string?)error["execId"]);
    }

    [Fact]
    public async Task FileRange_ChunkedWriteAndRangedRead_AndWholeReadOfBigFileIsRefused()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        byte[] data = new byte[900 * 1024];
        new Random(1).NextBytes(data);
        for (int offset = 0; offset < data.Length; offset += 300 * 1024)
        {
            await ws.SendAsync(new JsonObject
            {
                ["type"] = "file.write",
                ["execId"] = Frames.NewFileId(),
                ["path"] = "/tmp/big.bin",
                ["offset"] = offset,
                ["content"] = Convert.ToBase64String(data, offset, 300 * 1024),
                ["encoding"] = "base64",
            });
            Assert.Equal(300 * 1024, (int)(await ws.ReceiveAsync())["size"]!);
        }

        await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "/tmp/big.bin" });
        Assert.Equal("FILE_TOO_LARGE", (string?)(await ws.ReceiveAsync())["code"]);

        var read = new MemoryStream();
        bool eof = false;
        while (!eof)
        {
            await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "/tmp/big.bin", ["offset"] = read.Length, ["length"] = 512 * 1024 });
            JsonObject part = await ws.ReceiveAsync();
            Assert.Equal(data.Length, (long)part["size"]!);
            Assert.Equal(read.Length, (long)part["offset"]!);
            read.Write(Convert.FromBase64String((string)part["content"]!));
            eof = (bool)part["eof"]!;
        }

        Assert.Equal(data, read.ToArray());
    }

    [Fact]
    public async Task Output_InvalidAndSplitUtf8_IsDecodedWithReplacementOnlyForInvalidBytes()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string id = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(id, "printf 'caf\\303'; sleep 0.2; printf '\\251 \\377\\n'"));
        Assert.Equal("café \uFFFD\n", Frames.Stdout(await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id)), id));
    }

    [Fact]
    public async Task LargeOutput_IsSplitIntoFramesUnder64KiBOfData()
    {
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string id = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(id, "head -c 3000000 /dev/zero | tr '\\0' 'a'"));
        List<JsonObject> frames = await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id), 30);
        Assert.Equal(3_000_000, Frames.Stdout(frames, id).Length);
        Assert.All(frames, f => Assert.True(((string?)f["data"] ?? string.Empty).Length <= 64 * 1024));
    }

    [Fact]
    public async Task Delete_ClosesTheSandboxSocketsWith1000()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);
        await h.Http.DeleteAsync($"{h.SandboxesUrl()}/{created["sandboxId"]}");
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await ws.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Delete_SettlesEveryDyingCommandOnEveryConnection_BeforeClosing()
    {
        // A client that takes a normal close as "nothing more is coming" must still see every command end, so DELETE
        // sends exec.exit (137: they die by SIGKILL) for each command to each attached connection, then closes 1000.
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync();
        await using WsClient a = await EmulatorHarness.ConnectAsync(created);
        await using WsClient b = await EmulatorHarness.ConnectAsync(created);
        string foreground = Frames.NewExecId();
        string detached = Frames.NewExecId();
        await a.SendAsync(Frames.Run(detached, "sleep 100", detached: true));
        await a.ReceiveUntilAsync(f => (string?)f["type"] == "exec.detached" && (string?)f["execId"] == detached);
        await a.SendAsync(Frames.Run(foreground, "echo started; sleep 100"));
        await a.ReceiveUntilAsync(f => (string?)f["type"] == "exec.output" && (string?)f["execId"] == foreground);
        await b.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = detached });
        await b.ReceiveUntilAsync(f => (string?)f["type"] == "exec.info");

        HttpResponseMessage deleted = await h.Http.DeleteAsync($"{h.SandboxesUrl()}/{created["sandboxId"]}");
        Assert.True(deleted.IsSuccessStatusCode, $"DELETE answered {(int)deleted.StatusCode}");

        (List<JsonObject> framesA, WebSocketCloseStatus? closeA) = await a.ReceiveUntilCloseAsync();
        Assert.Equal(137, (int?)framesA.Single(f => Frames.IsExit(f, foreground))["exitCode"]);
        Assert.Equal(137, (int?)framesA.Single(f => Frames.IsExit(f, detached))["exitCode"]);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, closeA);
        (List<JsonObject> framesB, WebSocketCloseStatus? closeB) = await b.ReceiveUntilCloseAsync();
        Assert.Equal(137, (int?)framesB.Single(f => Frames.IsExit(f, detached))["exitCode"]);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, closeB);
    }

    [Fact]
    public async Task InputRacingTheExit_IsANoOp_NeverAnErrorBeforeTheExit()
    {
        // `true` exits at once while its stdin frames are still on the way: exec.input, exec.endInput and exec.kill
        // for a command that has just exited must be dropped silently, so the client sees exec.exit and no error.
        await using EmulatorHarness h = await StartAsync();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        int failures = 0;
        var firstFailure = string.Empty;
        for (int i = 0; i < 1000; i++)
        {
            string id = Frames.NewExecId();
            await ws.SendAsync(Frames.Run(id, "true"));
            for (int k = 0; k < 4; k++)
            {
                await ws.SendAsync(new JsonObject { ["type"] = "exec.input", ["execId"] = id, ["data"] = "x\n" });
            }

            await ws.SendAsync(new JsonObject { ["type"] = "exec.endInput", ["execId"] = id });
            await ws.SendAsync(new JsonObject { ["type"] = "exec.kill", ["execId"] = id, ["signal"] = "SIGTERM" });
            List<JsonObject> frames = await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id) || (string?)f["type"] == "error");
            // 143: the raced SIGTERM may also land before `true` ran to its end; both are a settled command.
            if (!Frames.IsExit(frames[^1], id) || (int?)frames[^1]["exitCode"] is not (0 or 143))
            {
                failures++;
                firstFailure = firstFailure.Length > 0 ? firstFailure : frames[^1].ToJsonString();
            }
        }

        // Late frames for exited commands produce nothing either: the next reply on the socket is this one.
        await ws.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = "exec-none" });
        JsonObject next = await ws.ReceiveAsync();
        Assert.True(failures == 0, $"{failures} of 1000 racing execs failed; first: {firstFailure}");
        Assert.Equal("exec-none", (string?)next["execId"]);
    }

    [Fact]
    public async Task MaxLifetime_ClosesSocketsWith1000_AndStatusIsExpired()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync("{\"maxLifetime\":2}");
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await ws.ReceiveCloseAsync(10));
        await RestApiTests.WaitForStatusAsync(h, (string)created["sandboxId"]!, "expired");
    }

    [Fact]
    public async Task IdleTimeout_WsMessagesKeepItAlive()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync("{\"idleTimeout\":2}");
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);
        for (int i = 0; i < 8; i++)
        {
            await Task.Delay(400);
            await ws.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = "exec-none" });
            Assert.Equal("NOT_FOUND", (string?)(await ws.ReceiveAsync())["code"]);
        }

        Assert.Equal(WebSocketCloseStatus.NormalClosure, await ws.ReceiveCloseAsync(10));
    }

    [Fact]
    public async Task IdleTimeout_StreamingOutputKeepsItAlive()
    {
        await using EmulatorHarness h = await StartAsync();
        JsonObject created = await h.CreateAsync("{\"idleTimeout\":2}");
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);
        string id = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(id, "for i in 1 2 3 4 5 6 7 8; do echo $i; sleep 0.4; done"));
        List<JsonObject> frames = await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id));
        Assert.Equal(0, (int)frames[^1]["exitCode"]!);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await ws.ReceiveCloseAsync(10));
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return true;
    }
}
