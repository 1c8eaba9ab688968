using System.Text.Json;
using AotSandbox.Native.Interop;

namespace AotSandbox.Native.Objects;

/// <summary>
/// Parses the wire shape of a sandbox policy (docs/PROTOCOL.md §2.4): <c>{"network":{"egress":"allow-all" | [rule...]}}</c>,
/// rule = <c>{host, port, protocol?, rules?: [{methods, pathPattern}]}</c>. C callers pass the JSON they would send.
/// </summary>
internal static class PolicyJson
{
    public static SandboxPolicy Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json.ToArray());
            JsonElement root = Expect(document.RootElement, JsonValueKind.Object, "policy");
            var policy = new SandboxPolicy();
            if (root.TryGetProperty("network", out JsonElement network))
            {
                JsonElement egress = Expect(network, JsonValueKind.Object, "policy.network").GetProperty("egress");
                policy.Network = egress.ValueKind == JsonValueKind.String && egress.GetString() == "allow-all"
                    ? NetworkPolicy.AllowAll
                    : NetworkPolicy.Allow(Expect(egress, JsonValueKind.Array, "policy.network.egress").EnumerateArray().Select(Rule));
            }

            return policy;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw NativeCallException.Argument("policy JSON: " + e.Message);
        }
    }

    private static EgressRule Rule(JsonElement rule)
    {
        Expect(rule, JsonValueKind.Object, "egress rule");
        return new EgressRule
        {
            Host = rule.GetProperty("host").GetString() ?? throw NativeCallException.Argument("policy JSON: host is null"),
            Port = rule.GetProperty("port").GetInt32(),
            Protocol = rule.TryGetProperty("protocol", out JsonElement protocol) ? protocol.GetString() : null,
            Rules = rule.TryGetProperty("rules", out JsonElement rules) ? rules.EnumerateArray().Select(L7).ToList() : null,
        };
    }

    private static L7Rule L7(JsonElement rule) => new()
    {
        Methods = rule.GetProperty("methods").EnumerateArray().Select(m => m.GetString() ?? string.Empty).ToList(),
        PathPattern = rule.GetProperty("pathPattern").GetString() ?? string.Empty,
    };

    private static JsonElement Expect(JsonElement element, JsonValueKind kind, string what)
        => element.ValueKind == kind ? element : throw NativeCallException.Argument($"policy JSON: {what} must be {kind}");
}
