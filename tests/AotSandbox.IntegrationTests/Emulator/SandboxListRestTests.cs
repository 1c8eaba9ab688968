using System.Net;
using System.Text.Json.Nodes;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// The <c>sandbox.list</c> extension over HTTP (docs/PROTOCOL.md §4.6) with an independent client: only the caller's
/// namespace, bounded pages that walk everything exactly once, no idle-timer reset, and absent in strict mode.
/// </summary>
public sealed class SandboxListRestTests
{
    private static async Task<(HttpStatusCode Status, JsonObject Body)> GetAsync(HttpClient http, string url)
    {
        using HttpResponseMessage response = await http.GetAsync(url);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    private static string[] Ids(JsonObject body) => body["sandboxes"]!.AsArray().Select(s => (string)s!["sandboxId"]!).ToArray();

    [Fact]
    public async Task List_AdvertisedInCreateStatusAndItself_EntriesAreStatusObjectsWithoutToken()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        JsonObject created = await h.CreateAsync("{\"name\":\"web\",\"size\":\"SMALL\",\"ports\":[3000]}");
        JsonObject got = JsonNode.Parse(await h.Http.GetStringAsync($"{h.SandboxesUrl()}/{created["sandboxId"]}"))!.AsObject();

        (HttpStatusCode status, JsonObject list) = await GetAsync(h.Http, h.SandboxesUrl());

        Assert.Contains("sandbox.list", created["extensions"]!.AsArray().Select(e => (string?)e));
        Assert.Contains("sandbox.list", got["extensions"]!.AsArray().Select(e => (string?)e));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("sandbox.list", list["extensions"]!.AsArray().Select(e => (string?)e));
        JsonObject entry = Assert.Single(list["sandboxes"]!.AsArray())!.AsObject();
        Assert.Equal((string?)created["sandboxId"], (string?)entry["sandboxId"]);
        Assert.Equal("web", (string?)entry["name"]);
        Assert.Equal("running", (string?)entry["status"]);
        Assert.Equal("SMALL", (string?)entry["size"]);
        Assert.Equal((string?)created["createdAt"], (string?)entry["createdAt"]);
        Assert.Equal((string?)created["expiresAt"], (string?)entry["expiresAt"]);
        Assert.Equal((string?)created["previewUrls"]!["3000"], (string?)entry["previewUrls"]!["3000"]);
        Assert.Null(entry["token"]);
        Assert.Null(list["nextCursor"]);
    }

    [Fact]
    public async Task List_ShowsOnlyTheCallersNamespace_AndAnotherNamespacesPathIsForbidden()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        JsonObject mine = await h.CreateAsync();
        using HttpResponseMessage theirsCreated = await h.HttpB.PostAsync(h.SandboxesUrl("ns-b"), EmulatorHarness.Json("{}"));
        string theirs = (string)JsonNode.Parse(await theirsCreated.Content.ReadAsStringAsync())!["sandboxId"]!;

        (HttpStatusCode aStatus, JsonObject aList) = await GetAsync(h.Http, h.SandboxesUrl("ns-a") + "?all=true");
        (HttpStatusCode bStatus, JsonObject bList) = await GetAsync(h.HttpB, h.SandboxesUrl("ns-b") + "?all=true");
        (HttpStatusCode crossStatus, JsonObject cross) = await GetAsync(h.HttpB, h.SandboxesUrl("ns-a"));
        using var anonymous = new HttpClient();
        (HttpStatusCode anonStatus, _) = await GetAsync(anonymous, h.SandboxesUrl("ns-a"));

        Assert.Equal(HttpStatusCode.OK, aStatus);
        Assert.Equal([(string)mine["sandboxId"]!], Ids(aList));
        Assert.Equal(HttpStatusCode.OK, bStatus);
        Assert.Equal([theirs], Ids(bList));
        Assert.Equal(HttpStatusCode.Forbidden, crossStatus);
        Assert.Null(cross["sandboxes"]);
        Assert.Contains("belongs to namespace 'ns-b'", (string?)cross["error"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonStatus);
    }

    [Fact]
    public async Task List_PagesAreBoundedAndWalkEverySandboxOnce()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        var created = new HashSet<string>();
        for (int i = 0; i < 7; i++)
        {
            created.Add((string)(await h.CreateAsync())["sandboxId"]!);
        }

        var seen = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            string url = h.SandboxesUrl() + "?limit=3" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            (HttpStatusCode status, JsonObject page) = await GetAsync(h.Http, url);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.InRange(page["sandboxes"]!.AsArray().Count, 1, 3);
            seen.AddRange(Ids(page));
            cursor = (string?)page["nextCursor"];
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(created.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(seen.Count, seen.Distinct().Count());

        (HttpStatusCode tooMany, JsonObject tooManyBody) = await GetAsync(h.Http, h.SandboxesUrl() + "?limit=257");
        (HttpStatusCode forged, JsonObject forgedBody) = await GetAsync(h.Http, h.SandboxesUrl() + "?cursor=" + new string('9', 300));
        (HttpStatusCode twice, _) = await GetAsync(h.Http, h.SandboxesUrl() + "?limit=1&limit=2");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Contains("between 1 and 256", (string?)tooManyBody["error"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, forged);
        Assert.Contains("nextCursor", (string?)forgedBody["error"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, twice);
    }

    [Fact]
    public async Task List_EndedSandboxesOnlyWithAll_WithTheirStatusAndReason()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        string live = (string)(await h.CreateAsync())["sandboxId"]!;
        string ended = (string)(await h.CreateAsync())["sandboxId"]!;
        using (HttpResponseMessage deleted = await h.Http.DeleteAsync($"{h.SandboxesUrl()}/{ended}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        (_, JsonObject running) = await GetAsync(h.Http, h.SandboxesUrl());
        (_, JsonObject all) = await GetAsync(h.Http, h.SandboxesUrl() + "?all=true");

        Assert.Equal([live], Ids(running));
        JsonObject gone = all["sandboxes"]!.AsArray().Single(s => (string?)s!["sandboxId"] == ended)!.AsObject();
        Assert.Equal("destroyed", (string?)gone["status"]);
        Assert.Equal("destroyed by DELETE", (string?)gone["reason"]);
        Assert.Equal(2, Ids(all).Length);
    }

    [Fact]
    public async Task List_DoesNotResetTheIdleTimer()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        string id = (string)(await h.CreateAsync("{\"idleTimeout\":2}"))["sandboxId"]!;

        // Polled every 250 ms, well inside the 2 s idle timeout: a list that counted as use would keep it alive.
        string? status = null;
        for (int i = 0; i < 40 && status != "expired"; i++)
        {
            await Task.Delay(250);
            (_, JsonObject all) = await GetAsync(h.Http, h.SandboxesUrl() + "?all=true");
            status = (string?)all["sandboxes"]!.AsArray().Single(s => (string?)s!["sandboxId"] == id)!["status"];
        }

        Assert.Equal("expired", status);
    }

    [Fact]
    public async Task StrictMode_NotAdvertised_AndTheListPathIsA404()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync(o => o.StrictProtocol = true);
        JsonObject created = await h.CreateAsync();

        (HttpStatusCode status, JsonObject body) = await GetAsync(h.Http, h.SandboxesUrl());

        Assert.Empty(created["extensions"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Null(body["sandboxes"]);
        Assert.NotNull(body["error"]);
    }
}
