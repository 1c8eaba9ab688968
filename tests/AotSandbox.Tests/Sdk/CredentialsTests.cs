namespace AotSandbox.Tests.Sdk;

/// <summary>Credential resolution, host normalization and region routing (docs/PROTOCOL.md §2.1). Not parallel: touches the environment.</summary>
[Collection("Environment")]
public sealed class CredentialsTests : IDisposable
{
    private readonly string?[] _saved =
    [
        Environment.GetEnvironmentVariable("__OW_API_HOST"),
        Environment.GetEnvironmentVariable("__OW_NAMESPACE"),
        Environment.GetEnvironmentVariable("__OW_API_KEY"),
    ];

    public CredentialsTests() => SetEnv(null, null, null);

    public void Dispose() => SetEnv(_saved[0], _saved[1], _saved[2]);

    [Fact]
    public void Resolve_ExplicitValues_Win()
    {
        SetEnv("env-host", "env-ns", "env-key");
        SandboxCredentials c = SandboxCredentials.Resolve("https://h", "ns", "k");
        Assert.Equal(("https://h", "ns", "k"), (c.ApiHost, c.Namespace, c.ApiKey));
    }

    [Fact]
    public void Resolve_EmptyExplicitValues_FallBackToEnvironment()
    {
        SetEnv("env-host", "env-ns", "env-key");
        SandboxCredentials c = SandboxCredentials.Resolve("", null, "");
        Assert.Equal(("https://env-host", "env-ns", "env-key"), (c.ApiHost, c.Namespace, c.ApiKey));
    }

    [Fact]
    public void Resolve_Missing_ThrowsInitializationErrorNamingEachMissingValue()
    {
        var error = Assert.Throws<SandboxInitializationException>(() => SandboxCredentials.Resolve(null, "ns", null));
        Assert.Equal(
            "Missing required credentials: ApiHost, ApiKey. Pass them explicitly or set __OW_API_HOST, __OW_NAMESPACE, __OW_API_KEY in the environment.",
            error.Message);
    }

    [Fact]
    public async Task CreateAsync_MissingCredentials_FailsBeforeAnyIo()
    {
        var options = new SandboxCreateOptions { ApiHost = "http://127.0.0.1:9" };
        await Assert.ThrowsAsync<SandboxInitializationException>(() => Sandbox.CreateAsync(options));
        await Assert.ThrowsAsync<SandboxInitializationException>(() => Sandbox.GetAsync("sb-1", new SandboxConnectionOptions()));
    }

    [Theory]
    [InlineData("adobeioruntime.net", "https://adobeioruntime.net")]
    [InlineData("http://localhost:8080", "http://localhost:8080")]
    [InlineData("https://h/", "https://h")]
    [InlineData("h:443/", "https://h:443")]
    [InlineData("HTTPS://H", "HTTPS://H")]
    public void Normalize_AddsSchemeAndStripsOneTrailingSlash(string input, string expected)
        => Assert.Equal(expected, SandboxCredentials.Resolve(input, "ns", "k").ApiHost);

    [Theory]
    [InlineData("va6", "va6")]
    [InlineData("IRL1", "irl1")]
    [InlineData("jpn3", "jpn3")]
    [InlineData("abcd12", "abcd12")]
    public void Region_Valid_IsLowercased(string region, string expected) => Assert.Equal(expected, RegionRouting.Validate(region));

    [Theory]
    [InlineData("")]
    [InlineData("va_6")]
    [InlineData("va6.evil.example")]
    [InlineData("v6")]
    [InlineData("va")]
    [InlineData("abcde1")]
    [InlineData("va123")]
    [InlineData("6va")]
    public void Region_Invalid_ThrowsClientError(string region)
    {
        var error = Assert.Throws<SandboxClientException>(() => RegionRouting.Validate(region));
        Assert.Equal(RegionRouting.InvalidRegionMessage, error.Message);
    }

    [Theory]
    [InlineData("https://sandbox-adobeioruntime.net", "https://va6.sandbox-adobeioruntime.net")]
    [InlineData("sandbox-adobeioruntime.net", "https://va6.sandbox-adobeioruntime.net")]
    [InlineData("https://sandbox-adobeioruntime.net/", "https://va6.sandbox-adobeioruntime.net")]
    [InlineData("http://sandbox-adobeioruntime.net", "http://sandbox-adobeioruntime.net")]
    [InlineData("https://sandbox-adobeioruntime.net:8443", "https://sandbox-adobeioruntime.net:8443")]
    [InlineData("https://u@sandbox-adobeioruntime.net", "https://u@sandbox-adobeioruntime.net")]
    [InlineData("https://sandbox-adobeioruntime.net/x", "https://sandbox-adobeioruntime.net/x")]
    [InlineData("https://irl1.sandbox-adobeioruntime.net", "https://irl1.sandbox-adobeioruntime.net")]
    [InlineData("https://adobeioruntime.net", "https://adobeioruntime.net")]
    public void Region_RoutesOnlyTheBareCanonicalHost(string host, string expected)
    {
        SandboxCredentials credentials = SandboxCredentials.Resolve(host, "ns", "k");
        Sandbox.BuildCreateRequest(new SandboxCreateOptions { Region = "VA6" }, ref credentials);
        Assert.Equal(expected, credentials.ApiHost);
    }

    [Fact]
    public void FallbackWebSocketEndpoint_UsesWsForHttpAndDropsPath()
    {
        Assert.Equal("ws://h:8080/api/v1/namespaces/ns/sandboxes/sb-1/exec", Sandbox.FallbackWebSocketEndpoint("http://h:8080/some/path?q=1", "ns", "sb-1"));
        Assert.Equal("wss://h/api/v1/namespaces/ns/sandboxes/sb-1/exec", Sandbox.FallbackWebSocketEndpoint("https://h", "ns", "sb-1"));
    }

    private static void SetEnv(string? host, string? ns, string? key)
    {
        Environment.SetEnvironmentVariable("__OW_API_HOST", host);
        Environment.SetEnvironmentVariable("__OW_NAMESPACE", ns);
        Environment.SetEnvironmentVariable("__OW_API_KEY", key);
    }
}
