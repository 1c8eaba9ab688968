using System.Text;
using AotSandbox.Emulator.Rest;

namespace AotSandbox.Tests.Emulator;

public sealed class CreateSandboxRequestParserTests
{
    private static (CreateSandboxRequest? Request, string? Error) Parse(string json)
    {
        CreateSandboxRequestParser.TryParse(Encoding.UTF8.GetBytes(json), out CreateSandboxRequest? request, out string? error);
        return (request, error);
    }

    [Fact]
    public void Parse_PythonDefaultBody_AppliesValues()
    {
        CreateSandboxRequest request = Parse("{\"name\": null, \"size\": \"MEDIUM\", \"type\": \"cpu:default\", \"idleTimeout\": 900, \"maxLifetime\": 3600}").Request!;
        Assert.Null(request.Name);
        Assert.Equal("MEDIUM", request.Size);
        Assert.Equal(900, request.IdleTimeoutSeconds);
        Assert.Equal(3600, request.MaxLifetimeSeconds);
        Assert.Empty(request.Ports);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"size\":\"\"}")]
    [InlineData("{\"size\":0}")]
    public void Parse_OmittedOrFalsyFields_GetDefaults(string json)
    {
        CreateSandboxRequest request = Parse(json).Request!;
        Assert.Equal("MEDIUM", request.Size);
        Assert.Equal("cpu:default", request.Type);
        Assert.Equal(900, request.IdleTimeoutSeconds);
        Assert.Equal(3600, request.MaxLifetimeSeconds);
    }

    [Fact]
    public void Parse_FullBody_KeepsEverything()
    {
        CreateSandboxRequest request = Parse("""
            {"name":"n","size":"small","region":"VA6","cluster":"c1","envs":{"A_1":"x"},"ports":[3000,3000,8080],
             "policy":{"network":{"egress":[{"host":"*.adobe.io","port":443,"protocol":"TCP","rules":[{"methods":["GET"],"pathPattern":"/repos/**"}]}]}}}
            """).Request!;
        Assert.Equal("SMALL", request.Size);
        Assert.Equal("va6", request.Region);
        Assert.Equal([3000, 8080], request.Ports);
        Assert.Equal("x", request.Environment["A_1"]);
        Assert.Contains("pathPattern", request.PolicyJson, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"size\":\"XLARGE\"}", "GPU")]
    [InlineData("{\"size\":{\"cpu\":\"500m\"}}", "SMALL, MEDIUM, LARGE")]
    [InlineData("{\"idleTimeout\":0}", "between 1 and 10800")]
    [InlineData("{\"idleTimeout\":1.5}", "idleTimeout")]
    [InlineData("{\"maxLifetime\":10801}", "maxLifetime")]
    [InlineData("{\"ports\":\"3000\"}", "array")]
    [InlineData("{\"ports\":[0]}", "1 and 65535")]
    [InlineData("{\"ports\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}", "at most 16")]
    [InlineData("{\"envs\":{\"1BAD\":\"x\"}}", "[A-Za-z_]")]
    [InlineData("{\"envs\":{\"A\":1}}", "string value")]
    [InlineData("{\"envs\":[]}", "object")]
    [InlineData("{\"policy\":{\"network\":{\"egress\":\"deny-all\"}}}", "allow-all")]
    [InlineData("{\"policy\":{\"network\":{\"egress\":[{\"host\":\"a\"}]}}}", "port")]
    [InlineData("{\"policy\":{\"network\":{\"egress\":[{\"host\":\"a\",\"port\":1,\"rules\":[{\"methods\":[\"BREW\"],\"pathPattern\":\"/\"}]}]}}}", "methods")]
    [InlineData("{\"name\":5}", "'name'")]
    [InlineData("[]", "JSON object")]
    [InlineData("{", "not valid JSON")]
    public void Parse_InvalidBody_ExplainsWhatToFix(string json, string mentioned)
    {
        (CreateSandboxRequest? request, string? error) = Parse(json);
        Assert.Null(request);
        Assert.Contains(mentioned, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooManyEnvs_IsRejected()
    {
        string envs = string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"V{i}\":\"x\""));
        Assert.Contains("more than 64", Parse("{\"envs\":{" + envs + "}}").Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooMuchEnvData_IsRejected() =>
        Assert.Contains("KiB", Parse("{\"envs\":{\"A\":\"" + new string('x', 70 * 1024) + "\"}}").Error, StringComparison.Ordinal);
}
