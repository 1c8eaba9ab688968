using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AotSandbox.Tests.Sdk;

/// <summary>The one policy parser and writer (docs/PROTOCOL.md §2.4), shared by the SDK, the CLI and the C API.</summary>
public sealed partial class PolicyJsonTests
{
    [Fact]
    public void Parse_FullPolicy_ReadsEveryField_AndToJsonWritesItBack()
    {
        const string Json = """{"network":{"egress":[{"host":"*.adobe.io","port":443,"protocol":"TCP","rules":[{"methods":["GET","HEAD"],"pathPattern":"/repos/**"}]},{"host":"a.test","port":80}]}}""";
        SandboxPolicy policy = SandboxPolicy.Parse(Json);

        NetworkPolicy network = policy.Network!;
        Assert.False(network.IsAllowAll);
        Assert.Equal(2, network.Egress.Count);
        Assert.Equal(("*.adobe.io", 443, "TCP"), (network.Egress[0].Host, network.Egress[0].Port, network.Egress[0].Protocol));
        Assert.Equal(["GET", "HEAD"], network.Egress[0].Rules![0].Methods);
        Assert.Equal("/repos/**", network.Egress[0].Rules![0].PathPattern);
        Assert.Null(network.Egress[1].Protocol);
        Assert.Null(network.Egress[1].Rules);
        Assert.Equal(Json, policy.ToJson());
        Assert.Equal(Json, SandboxPolicy.Parse(Encoding.UTF8.GetBytes(Json)).ToJson());
    }

    [Theory]
    [InlineData("""{"network":{"egress":"allow-all"}}""", true, 0)]
    [InlineData("""{"network":{"egress":[]}}""", false, 0)]
    [InlineData("""{"network":{}}""", false, 0)]
    [InlineData("""{"network":{"egress":null}}""", false, 0)]
    [InlineData(""" { "network" : { "egress" : [ { "host" : "a.test" , "port" : 1 , "protocol" : null , "rules" : null } ] } } """, false, 1)]
    public void Parse_AcceptedForms(string json, bool allowAll, int rules)
    {
        NetworkPolicy network = SandboxPolicy.Parse(json).Network!;
        Assert.Equal(allowAll, network.IsAllowAll);
        Assert.Equal(rules, network.Egress.Count);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"network":null}""")]
    public void Parse_NoNetwork_LeavesTheDefaultDeny(string json) => Assert.Null(SandboxPolicy.Parse(json).Network);

    [Theory]
    [InlineData("""{"netwrk":{}}""", "netwrk")]
    [InlineData("""{"network":{"egres":[]}}""", "network.egres")]
    [InlineData("""{"network":{"egress":[{"host":"a","port":1,"prot":"TCP"}]}}""", "prot")]
    [InlineData("""{"network":{"egress":[{"host":"a","port":1,"rules":[{"methods":["GET"],"path":"/"}]}]}}""", "path")]
    [InlineData("""{"network":{"egress":[{"host":"a","port":1}]},"network":{"egress":"allow-all"}}""", "twice")]
    [InlineData("""{"network":{"egress":[{"host":"a","host":"b","port":1}]}}""", "twice")]
    [InlineData("""{"network":{"egress":"deny-all"}}""", "allow-all")]
    [InlineData("""{"network":{"egress":{}}}""", "network.egress")]
    [InlineData("""{"network":{"egress":[{"port":1}]}}""", "host")]
    [InlineData("""{"network":{"egress":[{"host":"a"}]}}""", "port")]
    [InlineData("""{"network":{"egress":[{"host":"a","port":"443"}]}}""", "port")]
    [InlineData("""{"network":{"egress":[{"host":"a","port":1.5}]}}""", "port")]
    [InlineData("""{"network":{"egress":[{"host":7,"port":1}]}}""", "host")]
    [InlineData("""{"network":{"egress":[{"host":"a","port":1,"rules":[{"methods":"GET","pathPattern":"/"}]}]}}""", "methods")]
    [InlineData("""{"network":{"egress":[{"host":"a","port":1,"rules":[{"methods":[1],"pathPattern":"/"}]}]}}""", "methods")]
    [InlineData("""{"network":{"egress":[{"host":"a","port":1,"rules":[{"methods":["GET"]}]}]}}""", "pathPattern")]
    [InlineData("""[]""", "object")]
    [InlineData("""{"network":""", "JSON")]
    [InlineData("""{} {}""", "after")]
    [InlineData("""{"network":{"egress":[}}""", "JSON")]
    public void Parse_Malformed_IsRefusedNamingTheProblem(string json, string mentioned)
    {
        FormatException e = Assert.Throws<FormatException>(() => SandboxPolicy.Parse(json));
        Assert.Contains(mentioned, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidUtf8InAString_IsAFormatException()
    {
        byte[] json = [.. "{\"network\":{\"egress\":[{\"host\":\""u8, 0xFF, .. "\",\"port\":1}]}}"u8];
        Assert.Throws<FormatException>(() => SandboxPolicy.Parse(json));
    }

    [Fact]
    public void SourceGeneratedContexts_ReadAndWritePolicies_ThroughTheSameParser()
    {
        SandboxPolicy policy = JsonSerializer.Deserialize("""{"network":{"egress":"allow-all"}}""", PolicyTestContext.Default.SandboxPolicy)!;
        Assert.True(policy.Network!.IsAllowAll);
        Assert.Equal("""{"network":{"egress":"allow-all"}}""", JsonSerializer.Serialize(policy, PolicyTestContext.Default.SandboxPolicy));
        JsonException e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"network":{"egres":1}}""", PolicyTestContext.Default.SandboxPolicy));
        Assert.Contains("egres", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_WithoutNetwork_IsAnEmptyObject() => Assert.Equal("{}", new SandboxPolicy().ToJson());

    [JsonSerializable(typeof(SandboxPolicy))]
    private sealed partial class PolicyTestContext : JsonSerializerContext;
}
