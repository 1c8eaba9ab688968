using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using AotSandbox.IntegrationTests.Emulator;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// Battery group S (docs/SECURITY-MODEL.md §5): the WebSocket session surface of a real sandbox, attacked with a raw
/// ClientWebSocket (not the SDK, which would refuse to send garbage) while an SDK session of the same sandbox must
/// keep working.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class SessionSurfaceTests(SecurityFixture fixture) : Battery(fixture)
{
    private static async Task<WsClient> AuthenticatedAsync(Sandbox sb)
    {
        WsClient raw = await WsClient.OpenAsync(new Uri(sb.WebSocketEndpoint));
        await raw.SendAsync(new JsonObject { ["type"] = "auth", ["token"] = sb.SessionToken });
        Assert.Equal("auth.ok", (string?)(await raw.ReceiveAsync())["type"]);
        return raw;
    }

    [Fact]
    public async Task S1_UpgradeWithoutOrWithWrongAuthOrForeignOrigin_IsRefused()
    {
        Sandbox sb = await NewSandboxAsync();
        await using (WsClient wrong = await WsClient.OpenAsync(new Uri(sb.WebSocketEndpoint)))
        {
            await wrong.SendAsync(new JsonObject { ["type"] = "auth", ["token"] = sb.SessionToken + "x" });
            Assert.Equal((WebSocketCloseStatus)4001, await wrong.ReceiveCloseAsync());
        }

        await using (WsClient silent = await WsClient.OpenAsync(new Uri(sb.WebSocketEndpoint)))
        {
            Assert.Equal((WebSocketCloseStatus)4001, await silent.ReceiveCloseAsync(10)); // auth deadline
        }

        await using (WsClient early = await WsClient.OpenAsync(new Uri(sb.WebSocketEndpoint)))
        {
            await early.SendAsync(Frames.Run(Frames.NewExecId(), "touch /workspace/pre-auth"));
            Assert.Equal((WebSocketCloseStatus)4001, await early.ReceiveCloseAsync());
        }

        using var browser = new ClientWebSocket();
        browser.Options.SetRequestHeader("Origin", "https://evil.example");
        await Assert.ThrowsAnyAsync<WebSocketException>(() => browser.ConnectAsync(new Uri(sb.WebSocketEndpoint), CancellationToken.None));
        Assert.Equal("absent\n", (await RunAsync(sb, "test -e /workspace/pre-auth && echo present || echo absent")).Stdout);
    }

    [Fact]
    public async Task S2_OversizedFloodedFragmentedAndInvalidMessages_CloseOnlyThatSession()
    {
        Sandbox sb = await NewSandboxAsync();

        await using (WsClient big = await AuthenticatedAsync(sb))
        {
            string huge = "{\"type\":\"exec.run\",\"execId\":\"e1\",\"command\":\"" + new string('a', 17 * 1024 * 1024) + "\"}";
            try
            {
                await big.SendRawAsync(huge);
            }
            catch (WebSocketException)
            {
                // The server may close while we are still sending.
            }

            Assert.Equal(WebSocketCloseStatus.MessageTooBig, await big.ReceiveCloseAsync());
        }

        await using (WsClient garbage = await AuthenticatedAsync(sb))
        {
            await garbage.SendRawAsync("{not json");
            Assert.Equal((WebSocketCloseStatus)4004, await garbage.ReceiveCloseAsync());
        }

        await using (WsClient invalidUtf8 = await AuthenticatedAsync(sb))
        {
            await invalidUtf8.Socket.SendAsync(new byte[] { 0x7B, 0xC3, 0x28, 0x7D }, WebSocketMessageType.Text, true, CancellationToken.None);
            WebSocketCloseStatus? status = await invalidUtf8.ReceiveCloseAsync();
            Assert.True(status is WebSocketCloseStatus.InvalidPayloadData or (WebSocketCloseStatus)4004, status?.ToString());
        }

        await using (WsClient fragmented = await AuthenticatedAsync(sb))
        {
            // One valid frame split over many continuation frames is reassembled and answered.
            string id = Frames.NewExecId();
            byte[] frame = Encoding.UTF8.GetBytes(Frames.Run(id, "echo fragmented").ToJsonString());
            for (int i = 0; i < frame.Length; i += 3)
            {
                await fragmented.Socket.SendAsync(frame.AsMemory(i, Math.Min(3, frame.Length - i)), WebSocketMessageType.Text, i + 3 >= frame.Length, CancellationToken.None);
            }

            List<JsonObject> frames = await fragmented.ReceiveUntilAsync(f => Frames.IsExit(f, id));
            Assert.Equal("fragmented\n", Frames.Stdout(frames, id));
        }

        await using (WsClient flood = await AuthenticatedAsync(sb))
        {
            // 10,000 tiny frames as fast as the socket takes them (bounded by count and 20 s); the server paces them.
            var watch = Stopwatch.StartNew();
            byte[] tiny = Encoding.UTF8.GetBytes("{\"type\":\"exec.get\",\"execId\":\"nope\"}");
            using var cap = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            int sent = 0;
            int replies = 0;
            Task reader = Task.Run(async () =>
            {
                var buffer = new byte[4096];
                try
                {
                    while (replies < 10_000 && !cap.IsCancellationRequested && flood.Socket.State == WebSocketState.Open)
                    {
                        WebSocketReceiveResult r = await flood.Socket.ReceiveAsync(buffer, cap.Token);
                        if (r.EndOfMessage)
                        {
                            replies++;
                        }
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or WebSocketException)
                {
                }
            });
            try
            {
                for (; sent < 10_000 && !cap.IsCancellationRequested; sent++)
                {
                    await flood.Socket.SendAsync(tiny, WebSocketMessageType.Text, true, cap.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
            }

            TimeSpan during = await TimeBystanderAsync();
            Assert.True(during < TimeSpan.FromSeconds(3), $"bystander took {during} during a {sent}-frame flood");
            await reader;
            // The server answers every frame (an error for the unknown id) at most 2000 per second.
            Assert.True(replies > 1000, $"{replies} replies");
            // Paced at 2000 frames/s with an initial burst allowance: 10k replies cannot come faster than ~3 s.
            Assert.True(watch.Elapsed.TotalSeconds >= replies / 2000.0 * 0.6, $"{replies} replies in {watch.Elapsed}: faster than the 2000/s pace");
        }

        // The sandbox and a fresh SDK session are unaffected by all of the above.
        Assert.Equal("ok\n", (await RunAsync(sb, "echo ok")).Stdout);
    }

    [Fact]
    public async Task S3_ExecIdsOfAnotherSandbox_FailExactlyLikeUnknownIds()
    {
        Sandbox a = await NewSandboxAsync();
        Sandbox b = await NewSandboxAsync();
        DetachedCommand foreign = await a.StartDetachedAsync("sleep 300");
        string unknown = "exec-" + Guid.NewGuid().ToString("N");

        Exception foreignGet = await Assert.ThrowsAnyAsync<SandboxException>(() => b.GetCommandAsync(foreign.ExecId));
        Exception unknownGet = await Assert.ThrowsAnyAsync<SandboxException>(() => b.GetCommandAsync(unknown));
        Assert.Equal(unknownGet.GetType(), foreignGet.GetType());
        Assert.Equal(((SandboxException)unknownGet).ErrorCode, ((SandboxException)foreignGet).ErrorCode);

        foreach (Func<string, Task> op in new Func<string, Task>[]
        {
            id => b.KillAsync(id, "SIGKILL"), id => b.WriteStdinAsync(id, "x"), id => b.CloseStdinAsync(id),
        })
        {
            string? f = await OutcomeAsync(() => op(foreign.ExecId));
            string? u = await OutcomeAsync(() => op(unknown));
            Assert.Equal(u, f);
        }

        Assert.Equal(0, (await RunAsync(a, $"kill -0 {foreign.Pid}")).ExitCode); // still running in A
        await foreign.KillAsync("SIGKILL");
    }

    [Fact]
    public async Task S4_SixthDetachedIsRefused_ShellFanOutStopsAtPidsMax()
    {
        Sandbox sb = await NewSandboxAsync();
        var detached = new List<DetachedCommand>();
        for (int i = 0; i < 5; i++)
        {
            detached.Add(await sb.StartDetachedAsync("sleep 300"));
        }

        await Assert.ThrowsAnyAsync<SandboxException>(() => sb.StartDetachedAsync("sleep 300"));
        await detached[0].KillAsync("SIGKILL");
        await detached[0].WaitAsync();
        DetachedCommand again = await sb.StartDetachedAsync("sleep 300"); // a slot freed by the exit
        detached[0] = again;

        ExecResult fanOut = await RunAsync(sb, "n=0; for i in $(seq 10000); do sleep 60 2>/dev/null & n=$((n+1)); done; echo started; cat /proc/self/status >/dev/null; ls /proc | grep -cE '^[0-9]+$'", 60);
        string current = await File.ReadAllTextAsync($"/sys/fs/cgroup/pids/{SecurityFixture.Tag}/{sb.Id}/pids.current");
        Assert.True(int.Parse(current, CultureInfo.InvariantCulture) <= 512, current);
        foreach (DetachedCommand d in detached)
        {
            await d.KillAsync("SIGKILL");
        }
    }

    [Fact]
    public async Task S5_ForegroundExecWithALingeringServer_ReturnsAndTheServerKeepsServing()
    {
        Sandbox sb = await NewSandboxAsync();
        var watch = Stopwatch.StartNew();
        ExecResult start = await RunAsync(sb, "python3 -m http.server 3000 >/dev/null 2>&1 & echo started", 5);
        Assert.Equal("started\n", start.Stdout);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"returned after {watch.Elapsed}");
        ExecResult fetch = await PythonAsync(sb, """
            import time, urllib.request
            for _ in range(50):
                try: print(urllib.request.urlopen('http://127.0.0.1:3000/').status); break
                except OSError: time.sleep(0.1)
            """);
        Assert.Equal("200\n", fetch.Stdout);
    }

    [Fact]
    public async Task S6_StdinAbuse_IsBoundedAndHarmless()
    {
        Sandbox sb = await NewSandboxAsync();
        // To an exited process, and after close.
        ExecResult done = await RunAsync(sb, "true");
        // exec.input has no acknowledgement in the protocol: a write to an exited command is dropped (or answered
        // with an error frame the SDK logs); either way nothing may throw anything but a SandboxException.
        await OutcomeAsync(() => sb.WriteStdinAsync(done.ExecId, "late"));
        ExecTask cat = sb.Exec("cat");
        await sb.WriteStdinAsync(cat.ExecId, "one\n");
        await sb.CloseStdinAsync(cat.ExecId);
        Assert.Equal("one\n", (await cat).Stdout);

        // 100 MiB to a process that does not read for 4 s, then counts what reached it: the emulator holds at most
        // 8 MiB of pending stdin per exec (plus the pipe) and drops the rest with an error frame, instead of growing.
        ExecTask counter = sb.Exec("sleep 4; wc -c", new ExecOptions { Timeout = TimeSpan.FromSeconds(60) });
        long before = Process.GetCurrentProcess().WorkingSet64;
        byte[] chunk = new byte[1 << 20];
        using var cap = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 100 && !counter.IsCompleted; i++)
        {
            await OutcomeAsync(() => sb.WriteStdinAsync(counter.ExecId, chunk, cap.Token));
        }

        TimeSpan sending = watch.Elapsed;
        long grown = Process.GetCurrentProcess().WorkingSet64 - before;
        await OutcomeAsync(() => sb.CloseStdinAsync(counter.ExecId));
        Assert.True(sending < TimeSpan.FromSeconds(4), $"sending took {sending}: the outcome below would not prove the bound");
        try
        {
            ExecResult counted = await counter;
            long received = long.Parse(counted.Stdout.Trim(), CultureInfo.InvariantCulture);
            Assert.True(received <= 12L << 20, $"{received} bytes reached a process that read late");
        }
        catch (SandboxClientException e)
        {
            // What the emulator does today: the dropped chunk's error fails the foreground exec, loudly.
            Assert.Contains("8 MiB of stdin", e.Message, StringComparison.Ordinal);
        }

        Assert.True(grown < 300L << 20, $"grew {grown >> 20} MiB");
        Assert.Equal("alive\n", (await RunAsync(sb, "echo alive")).Stdout);
    }

    private async Task<TimeSpan> TimeBystanderAsync()
    {
        var watch = Stopwatch.StartNew();
        Assert.Equal("ok\n", (await Fixture.Bystander.Exec("echo ok", new ExecOptions { Timeout = TimeSpan.FromSeconds(20) })).Stdout);
        return watch.Elapsed;
    }

    /// <summary>"ok" or the exception type and error code: what a caller could tell apart.</summary>
    private static async Task<string?> OutcomeAsync(Func<Task> op)
    {
        try
        {
            await op();
            return null;
        }
        catch (SandboxException e)
        {
            return e.GetType().Name + ":" + e.ErrorCode;
        }
    }
}
