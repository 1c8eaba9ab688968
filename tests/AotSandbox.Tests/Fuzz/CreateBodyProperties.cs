using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AotSandbox.Emulator.Rest;
using AotSandbox.Rest;
using CsCheck;

namespace AotSandbox.Tests.Fuzz;

/// <summary>
/// The emulator's REST create-body parser (incl. policy documents) on arbitrary bytes, mutated bodies and generated
/// JSON; and the SDK's create body (every option, random policies) accepted by it with the same meaning.
/// </summary>
public sealed class CreateBodyProperties
{
    private static readonly string[] Seeds =
    [
        "{\"name\":null,\"size\":\"SMALL\",\"type\":\"cpu:default\",\"idleTimeout\":900,\"maxLifetime\":3600}",
        "{\"name\":\"x\",\"size\":\"LARGE\",\"envs\":{\"A\":\"b\"},\"ports\":[3000,8080],\"policy\":{\"network\":{\"egress\":[{\"host\":\"api.github.com\",\"port\":443,\"rules\":[{\"methods\":[\"GET\"],\"pathPattern\":\"/repos/**\"}]}]}}}",
        "{\"policy\":{\"network\":{\"egress\":\"allow-all\"}},\"cluster\":\"c\",\"region\":\"va6\"}",
    ];

    private static readonly string[] Fields =
        ["name", "size", "type", "idleTimeout", "maxLifetime", "cluster", "region", "envs", "ports", "policy", "network", "egress", "host", "port", "protocol", "rules", "methods", "pathPattern", "A", "x"];

    private static readonly Gen<JsonNode?> Value = Gen.Recursive<JsonNode?>((depth, inner) => depth > 3
        ? Scalar()
        : Gen.Frequency(
            (4, Scalar()),
            (1, inner.Array[0, 4].Select(items => (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray()))),
            (1, Gen.Select(Gen.OneOf(Fields), inner).Array[0, 4].Select(pairs =>
            {
                var o = new JsonObject();
                foreach ((string k, JsonNode? v) in pairs)
                {
                    o[k] = v?.DeepClone();
                }

                return (JsonNode?)o;
            }))));

    private static Gen<JsonNode?> Scalar() => Gen.OneOf(
        Gen.Const((JsonNode?)null),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.OneOf(Gen.Int, Gen.Int[-2, 70000]).Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.Double.Select(d => double.IsFinite(d) ? (JsonNode?)JsonValue.Create(d) : null),
        Gen.OneOf("SMALL", "MEDIUM", "XLARGE", "small", "", "allow-all", "api.github.com", "*", "GET", "/repos/**", "TCP", "a\0b", "é").Select(s => (JsonNode?)JsonValue.Create(s)),
        Gen.String.Select(s => (JsonNode?)JsonValue.Create(s)));

    [Fact]
    public void InvalidUtf8InAString_IsAClientError_NotAnException()
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"name\":\"aXb\",\"size\":\"SMALL\"}");
        body[Array.IndexOf(body, (byte)'X')] = 0xD2; // a lead byte without its continuation
        Assert.False(CreateSandboxRequestParser.TryParse(body, out _, out string? error));
        Assert.Contains("UTF-8", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parser_NeverThrows_OnArbitraryOrMutatedBytes() =>
        FuzzSupport.SeededOrRandom(Seeds).Sample(body => Check(body), iter: FuzzSupport.Iterations);

    [Fact]
    public void Parser_NeverThrows_OnGeneratedJson_AndAcceptedBodiesRespectTheBounds() =>
        Value.Select(v => Encoding.UTF8.GetBytes(v?.ToJsonString() ?? "null")).Sample(body => Check(body), iter: FuzzSupport.Iterations);

    [Fact]
    public void SdkCreateBody_IsAcceptedWithTheSameMeaning() =>
        Gen.Select(
            Gen.OneOf(SandboxSize.Small, SandboxSize.Medium, SandboxSize.Large),
            Gen.Int[1, CreateSandboxRequestParser.MaxSeconds], Gen.Int[1, CreateSandboxRequestParser.MaxSeconds],
            Gen.Select(Gen.Char['A', 'Z'].Array[1, 8], Gen.String[0, 30]).Array[0, 8],
            Gen.Int[1, 65535].Array[0, CreateSandboxRequestParser.MaxPorts],
            Gen.Select(Gen.OneOf("api.github.com", "httpbin.org", "a.b.example", "x.test"), Gen.Int[1, 65535], Gen.Bool, Gen.OneOf("GET", "POST", "DELETE"), Gen.OneOf("/repos/**", "/a/*/b", "/")).Array[0, 5],
            Gen.Bool)
        .Sample((size, idle, max, envs, ports, egress, allowAll) =>
        {
            var options = new SandboxCreateOptions
            {
                Size = size,
                IdleTimeout = TimeSpan.FromSeconds(idle),
                MaxLifetime = TimeSpan.FromSeconds(max),
                Envs = envs.DistinctBy(e => new string(e.Item1)).ToDictionary(e => new string(e.Item1), e => e.Item2),
                Ports = ports.Distinct().ToList(),
                Policy = new SandboxPolicy
                {
                    Network = allowAll ? NetworkPolicy.AllowAll : NetworkPolicy.Allow(egress.Select(e => new EgressRule
                    {
                        Host = e.Item1,
                        Port = e.Item2,
                        Rules = e.Item3 ? [new L7Rule { Methods = [e.Item4], PathPattern = e.Item5 }] : null,
                    }).ToArray()),
                },
            };
            SandboxCredentials credentials = SandboxCredentials.Resolve("https://h", "ns", "k");
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(Sandbox.BuildCreateRequest(options, ref credentials), RestJsonContext.Default.CreateSandboxRequest);
            Assert.True(CreateSandboxRequestParser.TryParse(body, out AotSandbox.Emulator.Rest.CreateSandboxRequest? parsed, out string? error), error + " for " + Encoding.UTF8.GetString(body));
            Assert.Equal(size.ToString().ToUpperInvariant(), parsed!.Size);
            Assert.Equal((idle, max), (parsed.IdleTimeoutSeconds, parsed.MaxLifetimeSeconds));
            Assert.Equal(options.Envs.OrderBy(p => p.Key, StringComparer.Ordinal), parsed.Environment.OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Equal(options.Ports, parsed.Ports);
            JsonNode sent = JsonNode.Parse(body)!["policy"]!;
            Assert.True(JsonNode.DeepEquals(sent, JsonNode.Parse(parsed.PolicyJson!)), parsed.PolicyJson);
        }, iter: 500);

    private static void Check(byte[] body)
    {
        bool ok = CreateSandboxRequestParser.TryParse(body, out AotSandbox.Emulator.Rest.CreateSandboxRequest? request, out string? error);
        if (!ok)
        {
            Assert.False(string.IsNullOrEmpty(error));
            Assert.Null(request);
            return;
        }

        Assert.NotNull(request);
        Assert.Contains(request.Size, new[] { "SMALL", "MEDIUM", "LARGE" });
        Assert.InRange(request.IdleTimeoutSeconds, 1, CreateSandboxRequestParser.MaxSeconds);
        Assert.InRange(request.MaxLifetimeSeconds, 1, CreateSandboxRequestParser.MaxSeconds);
        Assert.True(request.Ports.Count <= CreateSandboxRequestParser.MaxPorts);
        Assert.All(request.Ports, p => Assert.InRange(p, 1, 65535));
        Assert.True(request.Environment.Count <= CreateSandboxRequestParser.MaxEnvs);
        Assert.All(request.Environment, e => Assert.DoesNotContain('\0', e.Key + e.Value));
    }
}
