using System.Net.WebSockets;
using System.Text.Json.Nodes;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// Strict-protocol mode (docs/PROTOCOL.md §4.4) with an independent client: no extensions advertised or honoured,
/// client messages capped at 1 MiB. The default mode is checked alongside, so each assertion shows the difference.
/// </summary>
public sealed class StrictProtocolTests
{
    private static Task<EmulatorHarness> StartAsync(bool strict) => EmulatorHarness.StartAsync(o => o.StrictProtocol = strict);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateAndStatus_AdvertiseExtensionsOnlyWhenNotStrict(bool strict)
    {
        await using EmulatorHarness h = await StartAsync(strict);
        JsonObject created = await h.CreateAsync();
        JsonObject status = JsonNode.Parse(await h.Http.GetStringAsync($"{h.SandboxesUrl()}/{(string)created["sandboxId"]!}"))!.AsObject();

        string[] expected = strict ? [] : ["exec.replay", "file.range", "exec.pty", "sandbox.list", "file.binary"];
        Assert.Equal(expected, created["extensions"]!.AsArray().Select(e => (string)e!).ToArray());
        Assert.Equal(expected, status["extensions"]!.AsArray().Select(e => (string)e!).ToArray());
    }

    [Fact]
    public async Task RangedFileFrames_AreRefusedAsUnsupported_WholeFileFramesWork()
    {
        await using EmulatorHarness h = await StartAsync(strict: true);
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        await ws.SendAsync(new JsonObject { ["type"] = "file.write", ["execId"] = Frames.NewFileId(), ["path"] = "a.txt", ["content"] = Convert.ToBase64String("hello"u8), ["encoding"] = "base64" });
        Assert.Equal("file.writeResult", (string?)(await ws.ReceiveAsync())["type"]);

        await ws.SendAsync(new JsonObject { ["type"] = "file.write", ["execId"] = Frames.NewFileId(), ["path"] = "a.txt", ["offset"] = 5, ["content"] = Convert.ToBase64String("!"u8), ["encoding"] = "base64" });
        Assert.Equal("UNSUPPORTED", (string?)(await ws.ReceiveAsync())["code"]);
        await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "a.txt", ["offset"] = 0, ["length"] = 2 });
        Assert.Equal("UNSUPPORTED", (string?)(await ws.ReceiveAsync())["code"]);

        await ws.SendAsync(new JsonObject { ["type"] = "file.read", ["execId"] = Frames.NewFileId(), ["path"] = "a.txt" });
        JsonObject whole = await ws.ReceiveAsync();
        Assert.Equal("aGVsbG8=", (string?)whole["content"]); // unchanged by the refused append
        Assert.Null(whole["offset"]);
    }

    [Fact]
    public async Task PtyExecAndResize_AreRefusedAsUnsupported_PlainExecWorks()
    {
        await using EmulatorHarness h = await StartAsync(strict: true);
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        string pty = Frames.NewExecId();
        JsonObject run = Frames.Run(pty, "bash", detached: false);
        run["pty"] = new JsonObject { ["rows"] = 24, ["cols"] = 80 };
        await ws.SendAsync(run);
        JsonObject refused = await ws.ReceiveAsync();
        Assert.Equal("error", (string?)refused["type"]);
        Assert.Equal(pty, (string?)refused["execId"]);
        Assert.Equal("UNSUPPORTED", (string?)refused["code"]);
        Assert.Contains("exec.pty", (string?)refused["message"], StringComparison.Ordinal);

        await ws.SendAsync(new JsonObject { ["type"] = "exec.resize", ["execId"] = pty, ["rows"] = 30, ["cols"] = 100 });
        Assert.Equal("UNSUPPORTED", (string?)(await ws.ReceiveAsync())["code"]);

        string plain = Frames.NewExecId();
        await ws.SendAsync(Frames.Run(plain, "echo fine", detached: false));
        List<JsonObject> frames = await ws.ReceiveUntilAsync(f => Frames.IsExit(f, plain));
        Assert.Equal("fine\n", Frames.Stdout(frames, plain));
    }

    [Fact]
    public async Task ExecGet_ReplayIsIgnored()
    {
        await using EmulatorHarness h = await StartAsync(strict: true);
        JsonObject created = await h.CreateAsync();
        string exited = Frames.NewExecId();
        string running = Frames.NewExecId();
        await using (WsClient first = await EmulatorHarness.ConnectAsync(created))
        {
            await first.SendAsync(Frames.Run(exited, "echo one; exit 7", detached: true));
            await first.ReceiveUntilAsync(f => Frames.IsExit(f, exited));
            await first.SendAsync(Frames.Run(running, "echo early; sleep 30", detached: true));
            await first.ReceiveUntilAsync(f => (string?)f["type"] == "exec.output" && (string?)f["execId"] == running);
        }

        await using WsClient second = await EmulatorHarness.ConnectAsync(created);
        await second.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = exited, ["replay"] = true });
        Assert.Equal("NOT_FOUND", (string?)(await second.ReceiveAsync())["code"]);

        await second.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = running, ["replay"] = true });
        JsonObject info = await second.ReceiveAsync();
        Assert.Equal("exec.info", (string?)info["type"]);
        Assert.Null(info["exited"]);
        Assert.Null(info["replayTruncated"]);
        await second.SendAsync(new JsonObject { ["type"] = "exec.kill", ["execId"] = running, ["signal"] = "SIGKILL" });
        List<JsonObject> rest = await second.ReceiveUntilAsync(f => Frames.IsExit(f, running));
        Assert.Equal(string.Empty, Frames.Stdout(rest, running)); // "early" was printed before the attach: not replayed
    }

    [Theory]
    [InlineData(false, 1536 * 1024, null)]
    [InlineData(true, 1000 * 1024, null)]
    [InlineData(true, (1024 * 1024) + 1, WebSocketCloseStatus.MessageTooBig)]
    public async Task ClientMessages_AreCappedAtOneMebibyteOnlyWhenStrict(bool strict, int messageBytes, WebSocketCloseStatus? expected)
    {
        await using EmulatorHarness h = await StartAsync(strict);
        await using WsClient ws = await EmulatorHarness.ConnectAsync(await h.CreateAsync());
        // A file.list whose path is padded to the size wanted: refused as a bad path if read, so a reply proves it was.
        string prefix = "{\"type\":\"file.list\",\"execId\":\"file-big\",\"path\":\"";
        string message = prefix + new string('a', messageBytes - prefix.Length - 2) + "\"}";
        Assert.Equal(messageBytes, message.Length);
        await ws.SendRawAsync(message);

        if (expected is { } status)
        {
            Assert.Equal(status, await ws.ReceiveCloseAsync());
        }
        else
        {
            JsonObject reply = await ws.ReceiveAsync();
            Assert.Equal("INVALID_REQUEST", (string?)reply["code"]);
        }
    }
}
