using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// create → first exec result through the real emulator (REST create, WebSocket connect + auth, exec `true`), p50 over
/// repeated runs. Issue 12 asks that admission and the agent hardening keep this p50 within 10 % of its value before;
/// the figure is printed for that comparison and bounded only loosely here (the machine is shared).
/// </summary>
[Collection(RealSandboxCollection.Name)]
public sealed class CreateLatencyTests(ITestOutputHelper output)
{
    private const int Runs = 21;

    [Fact]
    public async Task RealSandbox_CreateToFirstExec_P50()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync();
        var samples = new List<double>();
        for (int i = 0; i < Runs + 1; i++)
        {
            var clock = Stopwatch.StartNew();
            JsonObject created = await h.CreateAsync();
            await using (WsClient ws = await EmulatorHarness.ConnectAsync(created))
            {
                string id = Frames.NewExecId();
                await ws.SendAsync(Frames.Run(id, "true"));
                await ws.ReceiveUntilAsync(f => Frames.IsExit(f, id));
            }

            double ms = clock.Elapsed.TotalMilliseconds;
            using HttpResponseMessage deleted = await h.Http.DeleteAsync($"{h.SandboxesUrl()}/{created["sandboxId"]}");
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            if (i > 0)
            {
                samples.Add(ms); // the first run pays JIT and one-time set-up
            }
        }

        samples.Sort();
        output.WriteLine($"create → first exec result over {Runs} runs: p50 {samples[Runs / 2]:F1} ms, p90 {samples[Runs * 9 / 10]:F1} ms, min {samples[0]:F1} ms, max {samples[^1]:F1} ms");
        Assert.True(samples[Runs / 2] < 5000, "create → first exec should not take seconds");
    }
}
