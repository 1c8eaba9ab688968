using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>The control plane against docs/PROTOCOL.md §2.</summary>
public sealed partial class RestApiTests
{
    [Fact]
    public async Task Healthz_AfterStart_IsOk()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        using HttpResponseMessage response = await new HttpClient().GetAsync(h.Server.ApiHost + "/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Create_PythonStyleBody_ReturnsDocumentedFields()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        JsonObject created = await h.CreateAsync("{\"name\":null,\"size\":\"SMALL\",\"type\":\"cpu:default\",\"idleTimeout\":900,\"maxLifetime\":3600,\"ports\":[3000,8080],\"unknownField\":1}");

        string id = (string)created["sandboxId"]!;
        Assert.Matches(SandboxIdPattern(), id);
        Assert.Equal(43, ((string)created["token"]!).Length);
        Assert.Equal("ready", (string?)created["status"]);
        Assert.Equal("1", (string?)created["protocolVersion"]);
        Assert.Equal(900, (int)created["idleTimeout"]!);
        Assert.Equal(3600, (int)created["maxLifetime"]!);
        Assert.Equal($"ws://{new Uri(h.Server.ApiHost).Authority}/api/v1/namespaces/ns-a/sandboxes/{id}/exec", (string?)created["wsEndpoint"]);
        Assert.Equal(h.Server.ApiHost, (string?)created["managementEndpoint"]);
        Assert.Equal(["exec.replay", "file.range", "exec.pty", "sandbox.list", "file.binary"], created["extensions"]!.AsArray().Select(e => (string)e!).ToArray());
        JsonObject previews = created["previewUrls"]!.AsObject();
        Assert.Equal(["3000", "8080"], previews.Select(p => p.Key).Order().ToArray());
        Assert.Matches(PreviewUrlPattern(), (string)previews["3000"]!);
        Assert.NotEqual((string)previews["3000"]!, ((string)previews["8080"]!).Replace("p8080", "p3000", StringComparison.Ordinal));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", (string)created["createdAt"]!);
        Assert.Equal(512L * 1024 * 1024, h.Runtime!.Instances.Single().Spec.Limits.MemoryBytes);
    }

    [Fact]
    public async Task Get_LiveSandbox_IsRunningWithoutToken()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        JsonObject created = await h.CreateAsync();
        JsonObject got = JsonNode.Parse(await h.Http.GetStringAsync($"{h.SandboxesUrl()}/{created["sandboxId"]}"))!.AsObject();
        Assert.Equal("running", (string?)got["status"]);
        Assert.Null(got["token"]);
        Assert.Equal((string?)created["sandboxId"], (string?)got["sandboxId"]);
    }

    [Fact]
    public async Task LegacySingularPaths_CreateGetDelete_Work()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        string url = $"{h.Server.ApiHost}/api/v1/namespaces/ns-a/sandbox";
        using HttpResponseMessage created = await h.Http.PostAsync(url, EmulatorHarness.Json("{}"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        string id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["sandboxId"]!;
        Assert.Equal(HttpStatusCode.OK, (await h.Http.GetAsync($"{url}/{id}")).StatusCode);
        JsonNode deleted = JsonNode.Parse(await (await h.Http.DeleteAsync($"{url}/{id}")).Content.ReadAsStringAsync())!;
        Assert.Equal("destroyed", (string?)deleted["status"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic bm90OmFrZXk=")]
    [InlineData("Bearer abc")]
    public async Task AnyCall_WithMissingOrWrongKey_Is401WithJsonBody(string? header)
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, h.SandboxesUrl()) { Content = EmulatorHarness.Json("{}") };
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", header);
        }

        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotNull((string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);
        Assert.Empty(h.Runtime!.Instances);
    }

    [Fact]
    public async Task OtherTenant_GetOrDeleteForeignSandbox_SameAs404OfMissingOne()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        string id = (string)(await h.CreateAsync())["sandboxId"]!;
        string missing = "sb-" + new string('0', 32);

        using HttpResponseMessage foreignGet = await h.HttpB.GetAsync($"{h.SandboxesUrl("ns-b")}/{id}");
        using HttpResponseMessage foreignPathGet = await h.HttpB.GetAsync($"{h.SandboxesUrl("ns-a")}/{id}");
        using HttpResponseMessage missingGet = await h.HttpB.GetAsync($"{h.SandboxesUrl("ns-b")}/{missing}");
        using HttpResponseMessage foreignDelete = await h.HttpB.DeleteAsync($"{h.SandboxesUrl("ns-b")}/{id}");

        string expected = await missingGet.Content.ReadAsStringAsync();
        foreach (HttpResponseMessage response in new[] { foreignGet, foreignPathGet, foreignDelete })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(expected, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.NotFound, missingGet.StatusCode);
        Assert.False(h.Runtime!.Instances.Single().Disposed);
    }

    [Fact]
    public async Task Create_InAnotherTenantsNamespace_Is403()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        using HttpResponseMessage response = await h.HttpB.PostAsync(h.SandboxesUrl("ns-a"), EmulatorHarness.Json("{}"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"size\":\"HUGE\"}", "size")]
    [InlineData("{\"size\":\"XLARGE\"}", "GPU")]
    [InlineData("{\"idleTimeout\":\"900\"}", "idleTimeout")]
    [InlineData("{\"maxLifetime\":10801}", "maxLifetime")]
    [InlineData("{\"ports\":[70000]}", "ports")]
    [InlineData("[1,2]", "object")]
    [InlineData("{not json", "not valid JSON")]
    public async Task Create_InvalidBody_Is400ThatSaysWhatToFix(string body, string mentioned)
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        using HttpResponseMessage response = await h.Http.PostAsync(h.SandboxesUrl(), EmulatorHarness.Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentioned, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_BeyondMaxSandboxes_Is429UntilOneIsDestroyed()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync(o => o.MaxSandboxes = 1);
        string id = (string)(await h.CreateAsync())["sandboxId"]!;
        using HttpResponseMessage full = await h.Http.PostAsync(h.SandboxesUrl(), EmulatorHarness.Json("{}"));
        Assert.Equal((HttpStatusCode)429, full.StatusCode);
        Assert.Contains("maximum", await full.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await h.Http.DeleteAsync($"{h.SandboxesUrl()}/{id}");
        await h.CreateAsync();
    }

    [Fact]
    public async Task Delete_ReturnsJsonDestroyed_ThenGetReportsTombstone_AndRuntimeInstanceIsDisposed()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        string id = (string)(await h.CreateAsync())["sandboxId"]!;
        using HttpResponseMessage deleted = await h.Http.DeleteAsync($"{h.SandboxesUrl()}/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        JsonNode body = JsonNode.Parse(await deleted.Content.ReadAsStringAsync())!;
        Assert.Equal("destroyed", (string?)body["status"]);
        Assert.Equal(id, (string?)body["sandboxId"]);
        Assert.True(h.Runtime!.Instances.Single().Disposed);

        JsonNode got = JsonNode.Parse(await h.Http.GetStringAsync($"{h.SandboxesUrl()}/{id}"))!;
        Assert.Equal("destroyed", (string?)got["status"]);
        Assert.NotNull((string?)got["reason"]);
    }

    [Fact]
    public async Task SandboxWhoseInitDies_IsReportedFailed()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        string id = (string)(await h.CreateAsync())["sandboxId"]!;
        h.Runtime!.Instances.Single().Crash();
        await WaitForStatusAsync(h, id, "failed");
    }

    [Fact]
    public async Task MaxLifetime_Elapsed_SandboxExpires()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        string id = (string)(await h.CreateAsync("{\"maxLifetime\":2}"))["sandboxId"]!;
        await WaitForStatusAsync(h, id, "expired", touch: true);
        Assert.True(h.Runtime!.Instances.Single().Disposed);
    }

    [Fact]
    public async Task IdleTimeout_NoActivity_SandboxExpires_ButGetsKeepItAlive()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        string kept = (string)(await h.CreateAsync("{\"idleTimeout\":2}"))["sandboxId"]!;
        string idle = (string)(await h.CreateAsync("{\"idleTimeout\":2}"))["sandboxId"]!;
        for (int i = 0; i < 8; i++)
        {
            await Task.Delay(400);
            await h.Http.GetStringAsync($"{h.SandboxesUrl()}/{kept}");
        }

        Assert.Equal("running", (string?)JsonNode.Parse(await h.Http.GetStringAsync($"{h.SandboxesUrl()}/{kept}"))!["status"]);
        Assert.Equal("expired", (string?)JsonNode.Parse(await h.Http.GetStringAsync($"{h.SandboxesUrl()}/{idle}"))!["status"]);
    }

    internal static async Task WaitForStatusAsync(EmulatorHarness h, string id, string status, bool touch = false)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = (string?)JsonNode.Parse(await h.Http.GetStringAsync($"{h.SandboxesUrl()}/{id}"))!["status"];
            if (last == status)
            {
                return;
            }

            await Task.Delay(touch ? 200 : 100);
        }

        Assert.Fail($"status stayed '{last}', expected '{status}'");
    }

    [GeneratedRegex("^sb-[0-9a-f]{32}$")]
    private static partial Regex SandboxIdPattern();

    [GeneratedRegex(@"^http://p3000-[0-9a-f]{32}\.preview\.localhost:\d+/$")]
    private static partial Regex PreviewUrlPattern();
}
