using System.Net;
using System.Text.Json.Nodes;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// Issue 12 item 6: host-wide admission on the real emulator. A create beyond the host's pid budget, memory budget or a
/// namespace's quota is answered 429 with a JSON message naming the spent budget, nothing is started for it, and the
/// budget is free again once a sandbox is destroyed. The SDK surfaces the refusal as <see cref="SandboxCapacityException"/>.
/// </summary>
[Collection(RealSandboxCollection.Name)]
public sealed class AdmissionTests
{
    [Fact]
    public async Task PidBudget_Spent_Is429NamingPids_AndFreesOnDestroy()
    {
        // SMALL reserves 512 pids: two fit in 1024, the third does not.
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(o => o.MaxTotalPids = 1024);
        await AssertBudgetAsync(h, h.Http, "pid", "--max-total-pids");
    }

    [Fact]
    public async Task MemoryBudget_Spent_Is429NamingMemory_AndFreesOnDestroy()
    {
        // SMALL reserves 512 MiB of memory limit: two fit in 1 GiB, the third does not.
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(o => o.MaxTotalMemoryBytes = 1L << 30);
        await AssertBudgetAsync(h, h.Http, "memory", "--max-total-memory-mib");
    }

    [Fact]
    public async Task NamespaceQuota_Spent_Is429ForThatNamespaceOnly()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(o => o.MaxSandboxesPerNamespace = 1);
        string first = (string)(await h.CreateAsync())["sandboxId"]!;
        using (HttpResponseMessage refused = await h.Http.PostAsync(h.SandboxesUrl(), EmulatorHarness.Json(SmallBody)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            string error = (string)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
            Assert.Contains("sandboxes-per-namespace budget is spent", error, StringComparison.Ordinal);
            Assert.Contains("'ns-a'", error, StringComparison.Ordinal);
        }

        // Another tenant still gets its sandbox.
        using (HttpResponseMessage other = await h.HttpB.PostAsync(h.SandboxesUrl("ns-b"), EmulatorHarness.Json(SmallBody)))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await h.Http.DeleteAsync($"{h.SandboxesUrl()}/{first}")).StatusCode);
        await h.CreateAsync();
    }

    [Fact]
    public async Task Sdk_SurfacesASpentBudget_AsSandboxCapacityException()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(o => o.MaxTotalPids = 512);
        var options = new SandboxCreateOptions
        {
            ApiHost = h.Server.ApiHost,
            Namespace = h.Server.Namespace,
            ApiKey = h.Server.ApiKey,
            Size = SandboxSize.Small,
        };
        await using Sandbox first = await Sandbox.CreateAsync(options);
        var refused = await Assert.ThrowsAsync<SandboxCapacityException>(() => Sandbox.CreateAsync(options));
        Assert.Equal(429, refused.StatusCode);
        Assert.Contains("pid", refused.Message, StringComparison.Ordinal);
        await first.DestroyAsync();
        await using Sandbox again = await Sandbox.CreateAsync(options);
        await again.DestroyAsync();
    }

    private const string SmallBody = "{\"size\":\"SMALL\"}";

    private static async Task AssertBudgetAsync(EmulatorHarness h, HttpClient http, string budget, string option)
    {
        string a = (string)(await h.CreateAsync())["sandboxId"]!;
        await h.CreateAsync();
        for (int i = 0; i < 2; i++)
        {
            using HttpResponseMessage refused = await http.PostAsync(h.SandboxesUrl(), EmulatorHarness.Json(SmallBody));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.StartsWith("application/json", refused.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
            string error = (string)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
            Assert.Contains(budget, error, StringComparison.Ordinal);
            Assert.Contains("budget is spent", error, StringComparison.Ordinal);
            Assert.Contains(option, error, StringComparison.Ordinal);
        }

        // Nothing was started for the refused creates: the emulator still has exactly two sandboxes.
        JsonNode health = JsonNode.Parse(await h.Http.GetStringAsync(h.Server.ApiHost + "/healthz"))!;
        Assert.Equal(2, (int)health["sandboxes"]!);

        Assert.Equal(HttpStatusCode.OK, (await h.Http.DeleteAsync($"{h.SandboxesUrl()}/{a}")).StatusCode);
        await h.CreateAsync(); // the destroyed sandbox's share is free again
    }
}
