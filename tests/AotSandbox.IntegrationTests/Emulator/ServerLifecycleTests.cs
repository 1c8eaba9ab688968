using System.Net;
using AotSandbox.Emulator;

namespace AotSandbox.IntegrationTests.Emulator;

public sealed class ServerLifecycleTests
{
    [Fact]
    public async Task Start_OnAPortInUse_Throws_AndDisposeIsClean()
    {
        await using EmulatorHarness first = await EmulatorHarness.StartAsync();
        var runtime = new FakeHostProcessRuntime();
        await using var second = new EmulatorServer(new EmulatorOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, first.Server.BaseAddress.Port),
            RuntimeFactory = _ => runtime,
        });
        await Assert.ThrowsAnyAsync<IOException>(() => second.StartAsync());
    }

    [Fact]
    public async Task Start_WithoutApiKey_GeneratesUuidColonSecret_AndExposesClientSettings()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync();
        Assert.Matches("^[0-9a-f-]{36}:[A-Za-z0-9_-]{43}$", h.Server.ApiKey);
        Assert.Equal("ns-a", h.Server.Namespace);
        Assert.StartsWith("http://127.0.0.1:", h.Server.ApiHost, StringComparison.Ordinal);
        Assert.False(h.Server.ApiHost.EndsWith('/'));
        Assert.Equal(2, h.Server.Tenants.Count);
    }

    [Fact]
    public async Task Stop_EndsSandboxesAndHealthzStopsAnswering()
    {
        EmulatorHarness h = await EmulatorHarness.StartAsync();
        await h.CreateAsync();
        string health = h.Server.ApiHost + "/healthz";
        await h.DisposeAsync();
        Assert.True(h.Runtime!.Instances.Single().Disposed);
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(health));
    }

    [Fact]
    public void Constructor_KeyWithoutColon_IsRejectedWithAClearMessage() =>
        Assert.Contains("uuid:secret", Assert.Throws<ArgumentException>(() => new EmulatorServer(new EmulatorOptions { ApiKey = "nocolon" })).Message, StringComparison.Ordinal);

    [Fact]
    public void Constructor_ServerCertificateWithoutItsKey_IsRejectedWithAClearMessage()
    {
        using var certificates = new Sdk.LoopbackTlsCertificates();
        var options = new EmulatorOptions { ServerCertificate = certificates.Authority };

        ArgumentException error = Assert.Throws<ArgumentException>(() => new EmulatorServer(options));

        Assert.Contains("ServerCertificate has no private key", error.Message, StringComparison.Ordinal);
    }
}
