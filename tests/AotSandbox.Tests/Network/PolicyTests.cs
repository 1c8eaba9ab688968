using AotSandbox.Emulator.Network;

namespace AotSandbox.Tests.Network;

/// <summary>Battery P3, P5 and the policy JSON contract.</summary>
public class PolicyTests
{
    [Theory]
    [InlineData("a.allowed.test", true)]
    [InlineData("x.y.allowed.test", true)]
    [InlineData("allowed.test", false)] // apex is not matched: list it separately
    [InlineData("evilallowed.test", false)]
    [InlineData("allowed.test.evil.test", false)]
    [InlineData("aallowed.test", false)]
    public void Wildcard_Boundaries(string host, bool expected)
    {
        HostPattern p = HostPattern.TryParse("*.allowed.test", out _)!;
        Assert.Equal(expected, p.Matches(host));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("*.test")]
    [InlineData("a.*.test")]
    [InlineData("*a.test")]
    [InlineData("*.127.0.0.1")]
    [InlineData("**.allowed.test")]
    public void Wildcard_TooBroadOrMalformed_Refused(string pattern)
    {
        Assert.Null(HostPattern.TryParse(pattern, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Parse_EntriesAndRules_PortExact()
    {
        EgressPolicy p = EgressPolicyParser.Parse("""
            [{"host":"Allowed.Test.","port":443},
             {"host":"api.test","port":443,"rules":[{"methods":["get","HEAD"],"pathPattern":"/repos/**"}]}]
            """);
        Assert.False(p.AllowAll);
        Assert.NotNull(p.Find("allowed.test", 443));
        Assert.Null(p.Find("allowed.test", 22));
        Assert.Null(p.Find("allowed.test", 80));
        EgressEntry api = p.Find("api.test", 443)!;
        Assert.Equal(["GET", "HEAD"], api.Rules![0].Methods);
        Assert.True(p.AllowsName("api.test"));
        Assert.False(p.AllowsName("other.test"));
    }

    [Fact]
    public void Parse_AllowAllAndNull()
    {
        Assert.True(EgressPolicyParser.Parse("\"allow-all\"").AllowAll);
        EgressPolicy none = EgressPolicyParser.Parse("null");
        Assert.False(none.AllowAll);
        Assert.Empty(none.Entries);
    }

    [Theory]
    [InlineData("\"deny-all\"")]
    [InlineData("[{\"host\":\"a.test\"}]")]
    [InlineData("[{\"host\":\"a.test\",\"port\":0}]")]
    [InlineData("[{\"host\":\"a.test\",\"port\":70000}]")]
    [InlineData("[{\"host\":\"a.test\",\"port\":\"443\"}]")]
    [InlineData("[{\"host\":\"a.test\",\"port\":443,\"prot\":\"tcp\"}]")]
    [InlineData("[{\"host\":\"a.test\",\"port\":443,\"protocol\":\"udp\"}]")]
    [InlineData("[{\"host\":\"*\",\"port\":443}]")]
    [InlineData("[{\"host\":\"a.test\",\"port\":443,\"rules\":[{\"methods\":[],\"pathPattern\":\"/\"}]}]")]
    [InlineData("[{\"host\":\"a.test\",\"port\":443,\"rules\":[{\"methods\":[\"TRACE\"],\"pathPattern\":\"/\"}]}]")]
    [InlineData("[{\"host\":\"a.test\",\"port\":443,\"rules\":[{\"methods\":[\"GET\"],\"pathPattern\":\"repos\"}]}]")]
    [InlineData("[{\"host\":\"a.test\",\"port\":443,\"rules\":[{\"methods\":[\"GET\"],\"pathPattern\":\"/re*\"}]}]")]
    [InlineData("[")]
    [InlineData("[] []")]
    public void Parse_Invalid_Throws(string json)
    {
        Assert.Throws<EgressPolicyException>(() => EgressPolicyParser.Parse(json));
    }
}
