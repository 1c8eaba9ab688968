using System.Text.Json;

namespace AotSandbox.Cli;

/// <summary>
/// Reads a policy file in the wire shape of docs/PROTOCOL.md §2.4 (<c>{"network":{"egress":[{"host","port","protocol"?,"rules"?}]}}</c>,
/// or <c>"egress":"allow-all"</c>) into the SDK's <see cref="SandboxPolicy"/>. Parsed with <see cref="JsonDocument"/>
/// (no reflection), strictly: an unknown key is a typo the user should hear about, not a silently wider policy.
/// </summary>
internal static class PolicyFile
{
    public static SandboxPolicy Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read policy file {path}: {e.Message}", e);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            return Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new CliException($"policy file {path} is not valid JSON: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new CliException($"policy file {path}: {e.Message}", e);
        }
    }

    public static SandboxPolicy Parse(JsonElement root)
    {
        Expect(root, JsonValueKind.Object, "the top level");
        var policy = new SandboxPolicy();
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.Name != "network")
            {
                throw new FormatException($"unknown key '{property.Name}' (expected 'network')");
            }

            policy.Network = ParseNetwork(property.Value);
        }

        return policy;
    }

    private static NetworkPolicy ParseNetwork(JsonElement network)
    {
        Expect(network, JsonValueKind.Object, "'network'");
        NetworkPolicy result = NetworkPolicy.Allow();
        foreach (JsonProperty property in network.EnumerateObject())
        {
            if (property.Name != "egress")
            {
                throw new FormatException($"unknown key 'network.{property.Name}' (expected 'egress')");
            }

            JsonElement egress = property.Value;
            if (egress.ValueKind == JsonValueKind.String && egress.GetString() == "allow-all")
            {
                result = NetworkPolicy.AllowAll;
                continue;
            }

            Expect(egress, JsonValueKind.Array, "'network.egress' (an array of rules, or \"allow-all\")");
            result = NetworkPolicy.Allow(egress.EnumerateArray().Select(ParseRule).ToArray());
        }

        return result;
    }

    private static EgressRule ParseRule(JsonElement rule)
    {
        Expect(rule, JsonValueKind.Object, "an egress rule");
        string? host = null;
        int? port = null;
        string? protocol = null;
        List<L7Rule>? rules = null;
        foreach (JsonProperty property in rule.EnumerateObject())
        {
            switch (property.Name)
            {
                case "host":
                    host = String(property.Value, "host");
                    break;
                case "port":
                    port = property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out int p) ? p : throw new FormatException("'port' must be an integer");
                    break;
                case "protocol":
                    protocol = String(property.Value, "protocol");
                    break;
                case "rules":
                    Expect(property.Value, JsonValueKind.Array, "'rules'");
                    rules = property.Value.EnumerateArray().Select(ParseL7).ToList();
                    break;
                default:
                    throw new FormatException($"unknown key '{property.Name}' in an egress rule (expected host, port, protocol, rules)");
            }
        }

        return new EgressRule
        {
            Host = host ?? throw new FormatException("an egress rule lacks 'host'"),
            Port = port ?? throw new FormatException($"the egress rule for {host} lacks 'port'"),
            Protocol = protocol,
            Rules = rules,
        };
    }

    private static L7Rule ParseL7(JsonElement rule)
    {
        Expect(rule, JsonValueKind.Object, "an HTTP rule");
        string[] methods = [];
        string? pathPattern = null;
        foreach (JsonProperty property in rule.EnumerateObject())
        {
            switch (property.Name)
            {
                case "methods":
                    Expect(property.Value, JsonValueKind.Array, "'methods'");
                    methods = property.Value.EnumerateArray().Select(m => String(m, "methods[]")).ToArray();
                    break;
                case "pathPattern":
                    pathPattern = String(property.Value, "pathPattern");
                    break;
                default:
                    throw new FormatException($"unknown key '{property.Name}' in an HTTP rule (expected methods, pathPattern)");
            }
        }

        return new L7Rule { Methods = methods, PathPattern = pathPattern ?? throw new FormatException("an HTTP rule lacks 'pathPattern'") };
    }

    private static string String(JsonElement value, string what) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"'{what}' must be a string");

    private static void Expect(JsonElement value, JsonValueKind kind, string what)
    {
        if (value.ValueKind != kind)
        {
            throw new FormatException($"{what} must be a JSON {kind.ToString().ToLowerInvariant()}");
        }
    }
}
