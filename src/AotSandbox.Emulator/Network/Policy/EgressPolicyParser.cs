using System.Text;
using System.Text.Json;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Parses the value of <c>policy.network.egress</c>: the string <c>"allow-all"</c> or an array of
/// <c>{host, port, protocol?, rules?: [{methods: [...], pathPattern}]}</c>. Hand-written over Utf8JsonReader (no
/// reflection, trim/AOT safe). Unknown fields are refused: a typo in a security policy must not widen or narrow
/// it silently. Bounded: 256 entries, 64 rules per entry, 32 methods per rule.
/// </summary>
internal static class EgressPolicyParser
{
    private const int MaxEntries = 256;
    private const int MaxRules = 64;
    private const int MaxMethods = 32;

    // The methods a rule may allow (docs/PROTOCOL.md §2.4); matched case-insensitively, stored upper-case.
    private static readonly string[] HttpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    /// <summary>Parses the egress value; throws <see cref="EgressPolicyException"/>.</summary>
    public static EgressPolicy Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            Read(ref reader);
            EgressPolicy policy = ParseValue(ref reader);
            if (reader.Read())
            {
                throw new EgressPolicyException("policy.network.egress: trailing data");
            }

            return policy;
        }
        catch (JsonException ex)
        {
            throw new EgressPolicyException("policy.network.egress is not valid JSON: " + ex.Message);
        }
    }

    /// <summary>Parses from a string (tests, CLI).</summary>
    public static EgressPolicy Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>Parses the value the reader is positioned on (for embedding in a larger request parser).</summary>
    public static EgressPolicy ParseValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return EgressPolicy.DenyAll;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("allow-all"u8))
            {
                return EgressPolicy.AllowEverything;
            }

            throw new EgressPolicyException("policy.network.egress: the only string accepted is \"allow-all\"");
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new EgressPolicyException("policy.network.egress must be \"allow-all\" or an array of {host, port}");
        }

        var entries = new List<EgressEntry>();
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            if (entries.Count == MaxEntries)
            {
                throw new EgressPolicyException($"policy.network.egress: at most {MaxEntries} entries");
            }

            entries.Add(ParseEntry(ref reader, entries.Count));
        }
        return new EgressPolicy(false, entries);
    }

    private static EgressEntry ParseEntry(ref Utf8JsonReader reader, int index)
    {
        string where = $"policy.network.egress[{index}]";
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new EgressPolicyException(where + " must be an object {host, port}");
        }

        HostPattern? host = null;
        int? port = null;
        string? protocol = null;
        List<HttpRule>? rules = null;
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            string name = reader.GetString()!;
            Read(ref reader);
            switch (name)
            {
                case "host":
                    string text = ExpectString(ref reader, where + ".host");
                    host = HostPattern.TryParse(text, out string? error) ?? throw new EgressPolicyException($"{where}.host: {error}");
                    break;
                case "port":
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int p) || p is < 1 or > 65535)
                    {
                        throw new EgressPolicyException(where + ".port must be an integer 1..65535");
                    }

                    port = p;
                    break;
                case "protocol":
                    protocol = ExpectString(ref reader, where + ".protocol").ToLowerInvariant();
                    if (protocol is not ("tcp" or "http" or "https" or "tls"))
                    {
                        throw new EgressPolicyException(where + ".protocol must be tcp, http, https or tls (UDP egress is not supported)");
                    }

                    break;
                case "rules":
                    rules = ParseRules(ref reader, where + ".rules");
                    break;
                default:
                    throw new EgressPolicyException($"{where}: unknown field '{name}'");
            }
        }
        if (host is null || port is null)
        {
            throw new EgressPolicyException(where + " needs host and port");
        }
        // "TCP" is the transport Adobe's clients name (the default); HTTP rules ride on it, so it never conflicts with rules.
        return new EgressEntry(host, port.Value, protocol, rules);
    }

    private static List<HttpRule> ParseRules(ref Utf8JsonReader reader, string where)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new EgressPolicyException(where + " must be an array");
        }

        var rules = new List<HttpRule>();
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            if (rules.Count == MaxRules)
            {
                throw new EgressPolicyException($"{where}: at most {MaxRules} rules");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new EgressPolicyException(where + " items must be objects {methods, pathPattern}");
            }

            List<string>? methods = null;
            PathGlob? glob = null;
            while (true)
            {
                Read(ref reader);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                string name = reader.GetString()!;
                Read(ref reader);
                if (name == "methods")
                {
                    methods = ParseMethods(ref reader, where + ".methods");
                }
                else if (name == "pathPattern")
                {
                    string text = ExpectString(ref reader, where + ".pathPattern");
                    glob = PathGlob.TryParse(text, out string? error) ?? throw new EgressPolicyException($"{where}.pathPattern: {error}");
                }
                else
                {
                    throw new EgressPolicyException($"{where}: unknown field '{name}'");
                }
            }
            if (methods is null || glob is null)
            {
                throw new EgressPolicyException(where + " items need methods and pathPattern");
            }

            rules.Add(new HttpRule(methods, glob));
        }
        return rules;
    }

    private static List<string> ParseMethods(ref Utf8JsonReader reader, string where)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new EgressPolicyException(where + " must be an array of strings");
        }

        var methods = new List<string>();
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            if (methods.Count == MaxMethods)
            {
                throw new EgressPolicyException($"{where}: at most {MaxMethods} methods");
            }

            string m = ExpectString(ref reader, where).ToUpperInvariant();
            if (m is "CONNECT" or "TRACE" or "TRACK")
            {
                throw new EgressPolicyException($"{where}: {m} cannot be allowed");
            }

            if (Array.IndexOf(HttpMethods, m) < 0)
            {
                throw new EgressPolicyException($"{where}: '{m}' is not one of {string.Join(", ", HttpMethods)}");
            }

            methods.Add(m);
        }
        if (methods.Count == 0)
        {
            throw new EgressPolicyException(where + " must list at least one method");
        }

        return methods;
    }

    private static string ExpectString(ref Utf8JsonReader reader, string where)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new EgressPolicyException(where + " must be a string");
        }

        return reader.GetString()!;
    }

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new EgressPolicyException("policy.network.egress: unexpected end of JSON");
        }
    }
}
