using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>Prints end-to-end figures against real sandboxes (create, connect, exec round trip, destroy); bounds are loose sanity checks only.</summary>
[Collection(RealSandboxCollection.Name)]
public sealed class LatencyMeasurementTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RealSandbox_CreateConnectExecDestroy_Timings()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync();
        var clock = Stopwatch.StartNew();
        JsonObject created = await h.CreateAsync();
        double createMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        await using WsClient ws = await EmulatorHarness.ConnectAsync(created);
        double connectMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        await using (WsClient again = await EmulatorHarness.ConnectAsync(created))
        {
        }

        double reconnectMs = clock.Elapsed.TotalMilliseconds;

        var rounds = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            string id = Frames.NewExecId();
            clock.Restart();
            await ws.SendAsync(Frames.Run(id, "true"));
            await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id));
            rounds.Add(clock.Elapsed.TotalMilliseconds);
        }

        clock.Restart();
        using HttpResponseMessage deleted = await h.Http.DeleteAsync($"{h.SandboxesUrl()}/{created["sandboxId"]}");
        double destroyMs = clock.Elapsed.TotalMilliseconds;
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        rounds.Sort();
        output.WriteLine($"create {createMs:F0} ms, ws connect+auth first {connectMs:F0} ms / second {reconnectMs:F1} ms, exec 'true' round trip median {rounds[10]:F1} ms (min {rounds[0]:F1}, max {rounds[^1]:F1}), destroy {destroyMs:F0} ms");
        Assert.True(rounds[10] < 2000, "an exec round trip should not take seconds");
    }
}
