using System.Text;
using System.Text.Json;
using AotSandbox.Rest;

namespace AotSandbox.Tests.Sdk;

/// <summary>The create body's exact shape (docs/PROTOCOL.md §2.4) and size tiers.</summary>
public sealed class CreateRequestTests
{
    private static string Body(SandboxCreateOptions options)
    {
        SandboxCredentials credentials = SandboxCredentials.Resolve("https://h", "ns", "k");
        CreateSandboxRequest request = Sandbox.BuildCreateRequest(options, ref credentials);
        return Encoding.UTF8.GetString(RestJson.WriteCreateRequest(request));
    }

    [Fact]
    public void Defaults_MatchTheReferenceBodyExactly()
        => Assert.Equal("{\"name\":null,\"size\":\"MEDIUM\",\"type\":\"cpu:default\",\"idleTimeout\":900,\"maxLifetime\":3600}", Body(new SandboxCreateOptions()));

    [Fact]
    public void AllOptions_AreSentWithWireNames()
    {
        var options = new SandboxCreateOptions
        {
            Name = "my-sandbox",
            Size = SandboxSize.Large,
            Type = "cpu:large",
            MaxLifetime = TimeSpan.FromMinutes(5),
            IdleTimeout = TimeSpan.FromMinutes(1),
            Cluster = "c1",
            Region = "VA6",
            Envs = new Dictionary<string, string> { ["API_KEY"] = "x" },
            Ports = [3000, 8080],
            Policy = new SandboxPolicy
            {
                Network = NetworkPolicy.Allow(
                    new EgressRule { Host = "httpbin.org", Port = 443 },
                    new EgressRule
                    {
                        Host = "api.github.com",
                        Port = 443,
                        Protocol = "TCP",
                        Rules = [new L7Rule { Methods = ["GET"], PathPattern = "/repos/**" }],
                    }),
            },
        };
        Assert.Equal(
            "{\"name\":\"my-sandbox\",\"size\":\"LARGE\",\"type\":\"cpu:large\",\"idleTimeout\":60,\"maxLifetime\":300,\"cluster\":\"c1\",\"region\":\"va6\","
            + "\"envs\":{\"API_KEY\":\"x\"},\"policy\":{\"network\":{\"egress\":[{\"host\":\"httpbin.org\",\"port\":443},"
            + "{\"host\":\"api.github.com\",\"port\":443,\"protocol\":\"TCP\",\"rules\":[{\"methods\":[\"GET\"],\"pathPattern\":\"/repos/**\"}]}]}},"
            + "\"ports\":[3000,8080]}",
            Body(options));
    }

    [Fact]
    public void AllowAll_IsSentAsString()
        => Assert.Contains("\"policy\":{\"network\":{\"egress\":\"allow-all\"}}", Body(new SandboxCreateOptions { Policy = new SandboxPolicy { Network = NetworkPolicy.AllowAll } }));

    [Theory]
    [InlineData("500m", "512Mi", 0, "SMALL")]
    [InlineData("2000m", "4Gi", 0, "MEDIUM")]
    [InlineData("4000m", "16Gi", 0, "LARGE")]
    [InlineData("8000m", "32Gi", 1, "XLARGE")]
    public void SizeSpec_MatchingATier_SendsTheTierName(string cpu, string memory, int gpu, string tier)
        => Assert.Contains($"\"size\":\"{tier}\"", Body(new SandboxCreateOptions { SizeSpec = new SandboxSizeSpec(cpu, memory, gpu) }));

    [Fact]
    public void SizeSpec_MatchingNoTier_ThrowsClientError()
    {
        var error = Assert.Throws<SandboxClientException>(() => Body(new SandboxCreateOptions { SizeSpec = new SandboxSizeSpec("1000m", "4Gi") }));
        Assert.Equal("Invalid sandbox size provided", error.Message);
        Assert.Throws<SandboxClientException>(() => Body(new SandboxCreateOptions { Size = (SandboxSize)42 }));
    }

    [Fact]
    public void Sizes_ExposeTheTierTable()
    {
        Assert.Equal(4, Sandbox.Sizes.Count);
        Assert.Equal(new SandboxSizeSpec("8000m", "32Gi", 1), Sandbox.Sizes[SandboxSize.XLarge]);
        Assert.Equal("1", Sandbox.ProtocolMajor);
    }
}
