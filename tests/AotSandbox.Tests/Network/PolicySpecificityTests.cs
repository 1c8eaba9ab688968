using AotSandbox.Emulator.Network;

namespace AotSandbox.Tests.Network;

/// <summary>Issue 12 item 10: the most specific allowlist entry decides, not the first one.</summary>
public class PolicySpecificityTests
{
    private const string L7 = "\"rules\":[{\"methods\":[\"GET\"],\"pathPattern\":\"/v1/**\"}]";

    [Fact]
    public void EarlierL4Wildcard_DoesNotDisableLaterL7Exact()
    {
        EgressPolicy p = EgressPolicyParser.Parse($$"""[{"host":"*.x.test","port":443},{"host":"api.x.test","port":443,{{L7}}}]""");
        EgressEntry api = p.Find("api.x.test", 443)!;
        Assert.NotNull(api.Rules);
        Assert.Equal("api.x.test", api.Host.ToString());
        Assert.Null(p.Find("www.x.test", 443)!.Rules); // other names keep the L4 wildcard
    }

    [Fact]
    public void ExactL4_BeatsWildcardL7_ForItsOwnName()
    {
        EgressPolicy p = EgressPolicyParser.Parse($$"""[{"host":"*.x.test","port":443,{{L7}}},{"host":"open.x.test","port":443}]""");
        Assert.Null(p.Find("open.x.test", 443)!.Rules);
        Assert.NotNull(p.Find("other.x.test", 443)!.Rules);
    }

    [Fact]
    public void LongerWildcard_BeatsShorter_InAnyOrder()
    {
        foreach (string json in (string[])[
            $$"""[{"host":"*.x.test","port":443},{"host":"*.api.x.test","port":443,{{L7}}}]""",
            $$"""[{"host":"*.api.x.test","port":443,{{L7}}},{"host":"*.x.test","port":443}]"""])
        {
            EgressPolicy p = EgressPolicyParser.Parse(json);
            Assert.NotNull(p.Find("a.api.x.test", 443)!.Rules);
            Assert.Null(p.Find("a.www.x.test", 443)!.Rules);
        }
    }

    [Fact]
    public void SameHostListedTwice_L7WinsWhicheverComesFirst_AndRulesAreUnioned()
    {
        foreach (string json in (string[])[
            $$"""[{"host":"api.x.test","port":443},{"host":"api.x.test","port":443,{{L7}}}]""",
            $$"""[{"host":"api.x.test","port":443,{{L7}}},{"host":"api.x.test","port":443}]"""])
        {
            Assert.NotNull(EgressPolicyParser.Parse(json).Find("api.x.test", 443)!.Rules);
        }
        EgressPolicy two = EgressPolicyParser.Parse("""
            [{"host":"api.x.test","port":443,"rules":[{"methods":["GET"],"pathPattern":"/a/**"}]},
             {"host":"api.x.test","port":443,"rules":[{"methods":["POST"],"pathPattern":"/b"}]}]
            """);
        IReadOnlyList<HttpRule> rules = two.Find("api.x.test", 443)!.Rules!;
        Assert.Contains(rules, r => r.Allows("GET", "/a/1"));
        Assert.Contains(rules, r => r.Allows("POST", "/b"));
        Assert.DoesNotContain(rules, r => r.Allows("POST", "/a/1"));
    }

    [Fact]
    public void PortStillMustMatch_AndApexIsNotCoveredByWildcard()
    {
        EgressPolicy p = EgressPolicyParser.Parse($$"""[{"host":"*.x.test","port":443},{"host":"api.x.test","port":8443,{{L7}}}]""");
        Assert.Null(p.Find("api.x.test", 443)!.Rules); // the L7 entry is for another port
        Assert.Null(p.Find("x.test", 443));
        Assert.Null(p.Find("www.x.test", 8443));
    }
}
