using System.Text;
using AotSandbox.Tests.Sdk.Fakes;

namespace AotSandbox.Tests.Sdk;

/// <summary>
/// <see cref="Sandbox.ListAsync"/> against canned services (docs/PROTOCOL.md §4.6): it lists only when the answer
/// itself advertises <c>sandbox.list</c>, follows cursors with a bound, and reads odd entries without failing.
/// </summary>
public sealed class ListTests
{
    private static SandboxListOptions Options(RestStub stub) => new() { ApiHost = stub.Url, Namespace = "ns", ApiKey = "uuid:key" };

    [Theory]
    [InlineData(404, "{\"error\":\"No such endpoint.\"}")]
    [InlineData(405, "")]
    [InlineData(501, "{}")]
    [InlineData(200, "{\"sandboxes\":[{\"sandboxId\":\"sb-1\"}]}")] // a 200 that does not advertise proves nothing
    [InlineData(200, "{\"sandboxes\":[],\"extensions\":[\"exec.replay\"]}")]
    public async Task ServiceWithoutTheExtension_IsNotSupported_NotAGuessedList(int status, string body)
    {
        await using RestStub stub = await RestStub.StartAsync(_ => (status, body));

        SandboxExtensionNotSupportedException e = await Assert.ThrowsAsync<SandboxExtensionNotSupportedException>(() => Sandbox.ListAsync(Options(stub)));

        Assert.Equal(SandboxExtensionNames.SandboxList, e.Extension);
        Assert.Contains("cannot list sandboxes", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<SandboxClientException>(e);
        Assert.Single(stub.Requests);
    }

    [Theory]
    [InlineData(401, typeof(SandboxUnauthorizedException))]
    [InlineData(403, typeof(SandboxUnauthorizedException))]
    [InlineData(500, typeof(SandboxClientException))]
    public async Task OtherErrors_KeepTheirUsualMapping(int status, Type expected)
    {
        await using RestStub stub = await RestStub.StartAsync(_ => (status, "{\"error\":\"x\"}"));
        SandboxException e = await Assert.ThrowsAsync(expected, () => Sandbox.ListAsync(Options(stub))) as SandboxException ?? throw new InvalidOperationException();
        Assert.IsNotType<SandboxExtensionNotSupportedException>(e);
        Assert.Equal(status, e.StatusCode);
    }

    [Fact]
    public async Task Pages_AreFollowedWithTheCursor_AndEntriesParsed()
    {
        await using RestStub stub = await RestStub.StartAsync(request => request.Query.Contains("cursor=c%2F2", StringComparison.Ordinal)
            ? (200, "{\"sandboxes\":[{\"sandboxId\":\"sb-2\",\"status\":\"expired\",\"reason\":\"idle\",\"createdAt\":\"2026-01-01T00:00:05.000Z\"}],\"extensions\":[\"sandbox.list\"]}")
            : (200, "{\"sandboxes\":[{\"sandboxId\":\"sb-1\",\"name\":\"web\",\"status\":\"running\",\"size\":\"SMALL\",\"createdAt\":\"2026-01-01T00:00:00.000Z\","
                + "\"expiresAt\":\"2026-01-01T01:00:00.000Z\",\"previewUrls\":{\"3000\":\"http://p3000.example/\",\"x\":\"y\"}},"
                + "7,{\"name\":\"no id\"},{\"sandboxId\":\"sb-odd\",\"name\":5},{\"sandboxId\":\"sb-loose\",\"createdAt\":12,\"size\":[]}],"
                + "\"nextCursor\":\"c/2\",\"extensions\":[\"sandbox.list\"]}"));
        SandboxListOptions options = Options(stub);
        options.PageSize = 3;
        options.IncludeEnded = true;

        IReadOnlyList<SandboxSummary> list = await Sandbox.ListAsync(options);

        Assert.Equal(["sb-1", "sb-loose", "sb-2"], list.Select(s => s.Id));
        SandboxSummary web = list[0];
        Assert.Equal(("web", "running", "SMALL"), (web.Name, web.Status, web.Size));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), web.CreatedAt);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero), web.ExpiresAt);
        Assert.Equal("http://p3000.example/", Assert.Single(web.PreviewUrls).Value);
        Assert.Equal(TimeSpan.FromMinutes(2), web.AgeAt(new DateTimeOffset(2026, 1, 1, 0, 2, 0, TimeSpan.Zero)));
        Assert.Equal((null, null), (list[1].CreatedAt, list[1].Size));
        Assert.Null(list[1].AgeAt(DateTimeOffset.UtcNow));
        Assert.Equal(("expired", "idle"), (list[2].Status, list[2].Reason));
        Assert.Equal(["?limit=3&all=true", "?limit=3&cursor=c%2F2&all=true"], stub.Requests.Select(r => r.Query));
        Assert.All(stub.Requests, r => Assert.Equal(("GET", "/api/v1/namespaces/ns/sandboxes", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("uuid:key"))), (r.Method, r.Path, r.Authorization)));
    }

    [Fact]
    public async Task RepeatedCursor_StopsInsteadOfPagingForever()
    {
        await using RestStub stub = await RestStub.StartAsync(_ => (200, "{\"sandboxes\":[],\"nextCursor\":\"same\",\"extensions\":[\"sandbox.list\"]}"));
        SandboxClientException e = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.ListAsync(Options(stub)));
        Assert.Contains("same nextCursor twice", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task NotFoundOnALaterPage_IsAnErrorNotUnsupported()
    {
        await using RestStub stub = await RestStub.StartAsync(request => request.Query.Contains("cursor", StringComparison.Ordinal)
            ? (404, "{\"error\":\"gone\"}")
            : (200, "{\"sandboxes\":[],\"nextCursor\":\"n\",\"extensions\":[\"sandbox.list\"]}"));
        await Assert.ThrowsAsync<SandboxNotFoundException>(() => Sandbox.ListAsync(Options(stub)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public async Task PageSizeOutOfRange_FailsBeforeAnyRequest(int pageSize)
    {
        await using RestStub stub = await RestStub.StartAsync(_ => (200, "{}"));
        SandboxListOptions options = Options(stub);
        options.PageSize = pageSize;
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Sandbox.ListAsync(options));
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task MissingCredentials_FailBeforeAnyIo()
    {
        await Assert.ThrowsAsync<SandboxInitializationException>(() => Sandbox.ListAsync(new SandboxListOptions { ApiHost = "http://127.0.0.1:9", Namespace = "", ApiKey = "" }));
    }
}
