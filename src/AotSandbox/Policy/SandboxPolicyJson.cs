using System.Text.Json;

namespace AotSandbox;

/// <summary>
/// The one parser and writer of a policy's wire JSON (docs/PROTOCOL.md §2.4):
/// <c>{"network":{"egress":"allow-all" | [{"host","port","protocol"?,"rules"?:[{"methods","pathPattern"}]}]}}</c>.
/// Used by the create body, <see cref="SandboxPolicy.Parse(string)"/>, the CLI's policy files and the C API.
/// Strict about shape: an unknown or repeated key, or a value of the wrong JSON type, is refused with a message naming
/// it, because a typo in a security policy must not silently widen or narrow it. Values are not judged here (ports,
/// methods, host patterns): the service decides what it enforces and says so in its 400. A pure function of bytes,
/// over <see cref="Utf8JsonReader"/>: no reflection, trim and AOT safe.
/// </summary>
internal static class SandboxPolicyJson
{
    private const int MaxDepth = 8;

    public static SandboxPolicy Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            Next(ref reader);
            SandboxPolicy policy = Read(ref reader);
            if (reader.Read())
            {
                throw new FormatException("unexpected data after the policy object");
            }

            return policy;
        }
        catch (JsonException e)
        {
            throw new FormatException("the policy is not valid JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader checks a string's UTF-8 only when it is read.
            throw new FormatException("the policy is not valid UTF-8 JSON: " + e.Message, e);
        }
    }

    /// <summary>Reads the policy object the reader is positioned on (its StartObject token).</summary>
    public static SandboxPolicy Read(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "the policy", "an object");
        var policy = new SandboxPolicy();
        bool seenNetwork = false;
        while (NextProperty(ref reader, out string name))
        {
            if (name != "network")
            {
                throw new FormatException($"unknown key '{name}' (expected 'network')");
            }

            Once(ref seenNetwork, "network");
            policy.Network = reader.TokenType == JsonTokenType.Null ? null : ReadNetwork(ref reader);
        }

        return policy;
    }

    public static void Write(Utf8JsonWriter writer, SandboxPolicy policy)
    {
        writer.WriteStartObject();
        if (policy.Network is { } network)
        {
            writer.WriteStartObject("network");
            if (network.IsAllowAll)
            {
                writer.WriteString("egress", "allow-all");
            }
            else
            {
                writer.WriteStartArray("egress");
                foreach (EgressRule rule in network.Egress)
                {
                    WriteRule(writer, rule);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static NetworkPolicy ReadNetwork(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "'network'", "an object");
        NetworkPolicy result = NetworkPolicy.Allow();
        bool seenEgress = false;
        while (NextProperty(ref reader, out string name))
        {
            if (name != "egress")
            {
                throw new FormatException($"unknown key 'network.{name}' (expected 'egress')");
            }

            Once(ref seenEgress, "network.egress");
            if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("allow-all"u8))
            {
                result = NetworkPolicy.AllowAll;
            }
            else if (reader.TokenType != JsonTokenType.Null)
            {
                Expect(ref reader, JsonTokenType.StartArray, "'network.egress'", "an array of rules, or \"allow-all\"");
                var rules = new List<EgressRule>();
                while (Next(ref reader) != JsonTokenType.EndArray)
                {
                    rules.Add(ReadRule(ref reader, rules.Count));
                }

                result = NetworkPolicy.Allow(rules);
            }
        }

        return result;
    }

    private static EgressRule ReadRule(ref Utf8JsonReader reader, int index)
    {
        string where = $"network.egress[{index}]";
        Expect(ref reader, JsonTokenType.StartObject, where, "an object {\"host\", \"port\"}");
        string? host = null;
        int? port = null;
        string? protocol = null;
        List<L7Rule>? rules = null;
        bool seenProtocol = false, seenRules = false;
        while (NextProperty(ref reader, out string name))
        {
            switch (name)
            {
                case "host":
                    host = host is null ? String(ref reader, where + ".host") : throw Repeated(where + ".host");
                    break;
                case "port":
                    port = port is null
                        ? reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int p) ? p : throw new FormatException($"'{where}.port' must be an integer")
                        : throw Repeated(where + ".port");
                    break;
                case "protocol":
                    Once(ref seenProtocol, where + ".protocol");
                    protocol = reader.TokenType == JsonTokenType.Null ? null : String(ref reader, where + ".protocol");
                    break;
                case "rules":
                    Once(ref seenRules, where + ".rules");
                    rules = reader.TokenType == JsonTokenType.Null ? null : ReadL7Rules(ref reader, where + ".rules");
                    break;
                default:
                    throw new FormatException($"unknown key '{name}' in '{where}' (expected host, port, protocol, rules)");
            }
        }

        return new EgressRule
        {
            Host = host ?? throw new FormatException($"'{where}' lacks 'host'"),
            Port = port ?? throw new FormatException($"'{where}' ({host}) lacks 'port'"),
            Protocol = protocol,
            Rules = rules,
        };
    }

    private static List<L7Rule> ReadL7Rules(ref Utf8JsonReader reader, string where)
    {
        Expect(ref reader, JsonTokenType.StartArray, where, "an array of {\"methods\", \"pathPattern\"}");
        var rules = new List<L7Rule>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            string item = $"{where}[{rules.Count}]";
            Expect(ref reader, JsonTokenType.StartObject, item, "an object {\"methods\", \"pathPattern\"}");
            List<string>? methods = null;
            string? pathPattern = null;
            while (NextProperty(ref reader, out string name))
            {
                switch (name)
                {
                    case "methods":
                        if (methods is not null)
                        {
                            throw Repeated(item + ".methods");
                        }

                        Expect(ref reader, JsonTokenType.StartArray, item + ".methods", "an array of strings");
                        methods = [];
                        while (Next(ref reader) != JsonTokenType.EndArray)
                        {
                            methods.Add(String(ref reader, item + ".methods[]"));
                        }

                        break;
                    case "pathPattern":
                        pathPattern = pathPattern is null ? String(ref reader, item + ".pathPattern") : throw Repeated(item + ".pathPattern");
                        break;
                    default:
                        throw new FormatException($"unknown key '{name}' in '{item}' (expected methods, pathPattern)");
                }
            }

            rules.Add(new L7Rule
            {
                Methods = methods ?? throw new FormatException($"'{item}' lacks 'methods'"),
                PathPattern = pathPattern ?? throw new FormatException($"'{item}' lacks 'pathPattern'"),
            });
        }

        return rules;
    }

    private static void WriteRule(Utf8JsonWriter writer, EgressRule rule)
    {
        writer.WriteStartObject();
        writer.WriteString("host", rule.Host);
        writer.WriteNumber("port", rule.Port);
        if (rule.Protocol is not null)
        {
            writer.WriteString("protocol", rule.Protocol);
        }

        if (rule.Rules is { Count: > 0 } rules)
        {
            writer.WriteStartArray("rules");
            foreach (L7Rule l7 in rules)
            {
                writer.WriteStartObject();
                writer.WriteStartArray("methods");
                foreach (string method in l7.Methods)
                {
                    writer.WriteStringValue(method);
                }

                writer.WriteEndArray();
                writer.WriteString("pathPattern", l7.PathPattern);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>Advances to the next property of the current object; false at its end. Leaves the reader on the value.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader, out string name)
    {
        if (Next(ref reader) == JsonTokenType.EndObject)
        {
            name = string.Empty;
            return false;
        }

        name = reader.GetString()!;
        Next(ref reader);
        return true;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new FormatException("the policy JSON ends too early");

    private static string String(ref Utf8JsonReader reader, string what) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new FormatException($"'{what}' must be a string");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token, string what, string shape)
    {
        if (reader.TokenType != token)
        {
            throw new FormatException($"{what} must be {shape}");
        }
    }

    private static void Once(ref bool seen, string key)
    {
        if (seen)
        {
            throw Repeated(key);
        }

        seen = true;
    }

    private static FormatException Repeated(string key) => new($"'{key}' is given twice");
}
