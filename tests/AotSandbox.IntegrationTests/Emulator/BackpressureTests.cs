using System.Net.WebSockets;
using System.Text.Json.Nodes;
using AotSandbox.Emulator;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>A client that stops reading must not grow server memory or block other clients forever.</summary>
public sealed class BackpressureTests
{
    [Fact]
    public async Task ClientThatStopsReading_IsDisconnected_OthersKeepWorking()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync(o =>
            o.Timings = o.Timings with { StuckClientTimeout = TimeSpan.FromSeconds(1) });
        JsonObject created = await h.CreateAsync();
        await using WsClient stuck = await EmulatorHarness.ConnectAsync(created);
        string flood = Frames.NewExecId();
        await stuck.SendAsync(Frames.Run(flood, "yes 0123456789012345678901234567890123456789"));

        // Never read from "stuck": its TCP window and then its queue fill up.
        await Task.Delay(3000);
        await using WsClient other = await EmulatorHarness.ConnectAsync(created);
        string id = Frames.NewExecId();
        await other.SendAsync(Frames.Run(id, "echo alive"));
        Assert.Equal("alive\n", Frames.Stdout(await other.ReceiveUntilAsync(f => Frames.IsExit(f, id)), id));

        // The flood was the stuck connection's foreground exec: it was killed with the connection.
        string? code = null;
        for (DateTime deadline = DateTime.UtcNow.AddSeconds(10); code != "NOT_FOUND" && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(200);
            await other.SendAsync(new JsonObject { ["type"] = "exec.get", ["execId"] = flood });
            code = (string?)(await other.ReceiveUntilAsync(f => (string?)f["execId"] == flood && (string?)f["type"] is "error" or "exec.info"))[^1]["code"];
        }

        Assert.Equal("NOT_FOUND", code);

        // Draining the stuck socket ends in a close (1008), or an abort if even the close frame could not be written.
        WebSocketCloseStatus? status = await stuck.ReceiveCloseAsync(30);
        Assert.True(status is null or WebSocketCloseStatus.PolicyViolation, $"closed with {status}");
    }
}
