using static AotSandbox.Tests.Sdk.Http.ScriptedHttpServer;

namespace AotSandbox.Tests.Sdk.Http;

/// <summary>
/// The SDK's own HTTP/1.1 client against raw scripted responses: keep-alive, framing variants, redirects, limits and
/// timeouts, through the public <see cref="Sandbox.GetAsync"/>.
/// </summary>
public sealed class RestHttpClientTests
{
    private const string Json = "{\"sandboxId\":\"sb-1\",\"status\":\"running\"}";

    private static SandboxConnectionOptions Options(ScriptedHttpServer server, TimeSpan? timeout = null)
        => new() { ApiHost = server.Url, Namespace = "ns", ApiKey = "k", HttpTimeout = timeout };

    private static byte[] Ok(string extraHeaders = "") => Raw($"HTTP/1.1 200 OK\r\n{extraHeaders}Content-Length: {Json.Length}\r\n\r\n{Json}");

    [Fact]
    public async Task KeptAliveConnection_CarriesTheNextRequest()
    {
        await using var server = new ScriptedHttpServer((_, _) => Ok());
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("running", (await Sandbox.GetAsync("sb-1", Options(server))).Status);
        }

        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task ConnectionClose_IsHonoured_AndTheNextRequestOpensANewConnection()
    {
        await using var server = new ScriptedHttpServer((_, _) => Ok("Connection: close\r\n")) { KeepOpen = false };
        await Sandbox.GetAsync("sb-1", Options(server));
        await Sandbox.GetAsync("sb-1", Options(server));
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task ServerThatSilentlyDropsAKeptConnection_CostsOnlyAReconnect()
    {
        // Says nothing about closing, then closes: the parked connection is found dead and the request goes on a new one.
        await using var server = new ScriptedHttpServer((_, _) => Ok()) { KeepOpen = false };
        await Sandbox.GetAsync("sb-1", Options(server));
        await Task.Delay(50);
        Assert.Equal("running", (await Sandbox.GetAsync("sb-1", Options(server))).Status);
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task ChunkedBody_WithExtensionsAndTrailers()
    {
        await using var server = new ScriptedHttpServer((_, _) => Raw(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\n{\"sta\r\n" + (Json.Length - 5).ToString("x", System.Globalization.CultureInfo.InvariantCulture)
            + "\r\n" + Json[5..].Replace("\"status\"", "\"status\"", StringComparison.Ordinal) + "\r\n0\r\nX-T: 1\r\n\r\n"));
        Sandbox sandbox = await Sandbox.GetAsync("sb-1", Options(server));
        Assert.Equal("running", sandbox.Status);
    }

    [Fact]
    public async Task BodyWithoutLength_RunsToTheEndOfTheConnection()
    {
        await using var server = new ScriptedHttpServer((_, _) => Raw("HTTP/1.1 200 OK\r\n\r\n" + Json)) { KeepOpen = false };
        Assert.Equal("running", (await Sandbox.GetAsync("sb-1", Options(server))).Status);
    }

    [Fact]
    public async Task InterimResponses_AreSkipped()
    {
        await using var server = new ScriptedHttpServer((_, _) => [.. Raw("HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"), .. Ok()]);
        Assert.Equal("running", (await Sandbox.GetAsync("sb-1", Options(server))).Status);
    }

    [Fact]
    public async Task Redirects_AreRefused_NamingWhereTheyPoint_AndNotFollowed()
    {
        await using var server = new ScriptedHttpServer((_, _) => Raw("HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.2:9/api\r\nContent-Length: 0\r\n\r\n"));
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.GetAsync("sb-1", Options(server)));
        Assert.Equal(307, error.StatusCode);
        Assert.Contains("http://127.0.0.2:9/api", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not follow redirects", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Heads);
    }

    [Fact]
    public async Task HugeDeclaredBody_IsRefusedUpFront()
    {
        await using var server = new ScriptedHttpServer((_, _) => Raw("HTTP/1.1 200 OK\r\nContent-Length: 2000000000\r\n\r\n{"));
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.GetAsync("sb-1", Options(server)));
        Assert.Contains("exceeds the 1024 KiB limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndlessBody_WithoutLength_IsCutAtTheLimit()
    {
        byte[] big = new byte[1024 * 1024 + 10];
        big.AsSpan().Fill((byte)' ');
        await using var server = new ScriptedHttpServer((_, _) => [.. Raw("HTTP/1.1 200 OK\r\n\r\n"), .. big]) { KeepOpen = false };
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.GetAsync("sb-1", Options(server)));
        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndlessHead_IsCutAtTheLimit()
    {
        await using var server = new ScriptedHttpServer((_, _) => Raw("HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Repeat("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 1000))));
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.GetAsync("sb-1", Options(server)));
        Assert.Contains("response head exceeds 16 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmugglingShape_IsRefused()
    {
        await using var server = new ScriptedHttpServer((_, _) => Raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.GetAsync("sb-1", Options(server)));
        Assert.Contains("conflicting Content-Length / Transfer-Encoding", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentServer_HitsTheTimeout()
    {
        await using var server = new ScriptedHttpServer((_, _) => []);
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.GetAsync("sb-1", Options(server, TimeSpan.FromMilliseconds(300))));
        Assert.Equal("Sandbox API request failed: no response within 0.3 s", error.Message);
    }

    [Fact]
    public async Task ServerThatHangsUpWithoutAnswer_IsAClientError()
    {
        await using var server = new ScriptedHttpServer((_, _) => null);
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.GetAsync("sb-1", Options(server)));
        Assert.Contains("closed the connection before a complete response head", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerInput_CannotSplitTheRequestLine()
    {
        await using var server = new ScriptedHttpServer((_, _) => Ok());
        await Sandbox.GetAsync("a b\r\nX-Evil: 1", Options(server));
        string head = Assert.Single(server.Heads);
        Assert.DoesNotContain("\r\nX-Evil", head, StringComparison.Ordinal);
        Assert.StartsWith("GET /api/v1/namespaces/ns/sandboxes/a%20b%0D%0AX-Evil:%201 HTTP/1.1\r\nHost: 127.0.0.1:", head, StringComparison.Ordinal);
    }
}
