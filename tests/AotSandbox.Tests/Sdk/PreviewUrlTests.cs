using AotSandbox.Tests.Sdk.Fakes;

namespace AotSandbox.Tests.Sdk;

/// <summary>previewUrls parsing (docs/PROTOCOL.md §2.5) and GetUrl errors.</summary>
public sealed class PreviewUrlTests
{
    [Fact]
    public void Parse_KeepsOnlyValidPortsWithStringUrls()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(
            "{\"3000\":\"https://a\",\"8080\":\"https://b\",\"0\":\"https://zero\",\"65536\":\"https://big\",\"x\":\"https://x\",\"3000.5\":\"https://f\",\"9000\":42,\"-1\":\"https://neg\"}");
        Dictionary<int, string> urls = AotSandbox.Rest.PreviewUrlParser.Parse(doc.RootElement);
        Assert.Equal(2, urls.Count);
        Assert.Equal("https://a", urls[3000]);
        Assert.Equal("https://b", urls[8080]);
    }

    [Fact]
    public void Parse_MissingOrNotAnObject_GivesEmpty()
    {
        Assert.Empty(AotSandbox.Rest.PreviewUrlParser.Parse(default));
        using var doc = System.Text.Json.JsonDocument.Parse("[1]");
        Assert.Empty(AotSandbox.Rest.PreviewUrlParser.Parse(doc.RootElement));
    }

    [Fact]
    public void GetUrl_ReturnsProvisionedUrlWithoutIo()
    {
        Sandbox sandbox = TestSandbox.Create(new InMemoryTransport());
        Assert.Equal("https://sb-test-3000.example.net", sandbox.GetUrl(3000));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void GetUrl_PortOutOfRange_ThrowsInvalidPort(int port)
    {
        Sandbox sandbox = TestSandbox.Create(new InMemoryTransport());
        SandboxInvalidPortException error = Assert.Throws<SandboxInvalidPortException>(() => sandbox.GetUrl(port));
        Assert.IsAssignableFrom<SandboxClientException>(error);
    }

    [Fact]
    public void GetUrl_PortNotDeclared_ThrowsPortNotProvisioned()
    {
        Sandbox sandbox = TestSandbox.Create(new InMemoryTransport());
        Assert.IsAssignableFrom<SandboxClientException>(Assert.Throws<SandboxPortNotProvisionedException>(() => sandbox.GetUrl(8080)));
    }
}
