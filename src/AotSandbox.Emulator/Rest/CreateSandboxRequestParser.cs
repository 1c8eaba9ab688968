using AotSandbox.Emulator.Network;
using System.Text;
using System.Text.Json;
using AotSandbox.Emulator.Sandboxes;

namespace AotSandbox.Emulator.Rest;

/// <summary>
/// Turns a create body into a <see cref="CreateSandboxRequest"/> or one error message that says what to change.
/// Pure (bytes in, result out) so every rule is unit-tested. Unknown fields are ignored (clients add fields over time);
/// <c>name: null</c> and omitted optional fields are accepted (docs/PROTOCOL.md §5 item 3).
/// </summary>
internal static class CreateSandboxRequestParser
{
    /// <summary>Largest create body read; far above any real one (64 KiB of env data + policy).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public const int MaxSeconds = 10800;
    public const int DefaultIdleTimeout = 900;
    public const int DefaultMaxLifetime = 3600;
    public const int MaxPorts = 16;
    public const int MaxEnvs = 64;
    public const int MaxEnvBytes = 64 * 1024;
    private const int MaxShortString = 256;

    private static readonly string[] HttpVerbs = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    /// <summary>Parses and validates; on failure <paramref name="error"/> is a sentence for the 400 body.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out CreateSandboxRequest? request, out string? error)
    {
        request = null;
        if (body.IsEmpty)
        {
            // Reference clients always send a body, but an empty one can only mean "all defaults".
            body = "{}"u8;
        }

        // JsonDocument accepts invalid UTF-8 inside strings and only throws (InvalidOperationException) when a string is
        // read, which surfaced as a 500; found by the create-body fuzz property. Reject it up front as a client error.
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            error = "The request body is not valid UTF-8.";
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            error = "The request body is not valid JSON (" + e.Message + "). Send a JSON object such as {\"size\":\"SMALL\"}.";
            return false;
        }

        using (document)
        {
            return TryParse(document.RootElement, out request, out error);
        }
    }

    private static bool TryParse(JsonElement root, out CreateSandboxRequest? request, out string? error)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "The request body must be a JSON object, e.g. {\"size\":\"SMALL\"}.";
            return false;
        }

        if (!TryOptionalString(root, "name", out string? name, out error)
            || !TryOptionalString(root, "type", out string? type, out error)
            || !TryOptionalString(root, "cluster", out string? cluster, out error)
            || !TryOptionalString(root, "region", out string? region, out error)
            || !TrySize(root, out string? size, out error)
            || !TrySeconds(root, "idleTimeout", DefaultIdleTimeout, out int idle, out error)
            || !TrySeconds(root, "maxLifetime", DefaultMaxLifetime, out int lifetime, out error)
            || !TryPorts(root, out List<int>? ports, out error)
            || !TryEnvs(root, out Dictionary<string, string>? envs, out error)
            || !TryPolicy(root, out string? policy, out error)
            || !TryEgress(root, out EgressPolicy egress, out error))
        {
            return false;
        }

        request = new CreateSandboxRequest(
            name,
            size!,
            string.IsNullOrEmpty(type) ? "cpu:default" : type,
            idle,
            lifetime,
            string.IsNullOrEmpty(cluster) ? null : cluster,
            string.IsNullOrEmpty(region) ? null : region.ToLowerInvariant(),
            envs!,
            ports!,
            policy)
        {
            Egress = egress,
        };
        return true;
    }

    private static bool TryOptionalString(JsonElement root, string field, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(field, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"'{field}' must be a string or null.";
            return false;
        }

        value = element.GetString();
        if (value!.Length > MaxShortString)
        {
            error = $"'{field}' is longer than {MaxShortString} characters; shorten it.";
            return false;
        }

        return true;
    }

    private static bool TrySize(JsonElement root, out string? size, out string? error)
    {
        size = "MEDIUM";
        error = null;
        if (!root.TryGetProperty("size", out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        // JS clients send '' / 0 for "default"; treat falsy values like the client does.
        if ((element.ValueKind == JsonValueKind.String && element.GetString()!.Length == 0)
            || (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int zero) && zero == 0))
        {
            return true;
        }

        string? asked = element.ValueKind == JsonValueKind.String ? element.GetString()!.ToUpperInvariant() : null;
        if (asked == "XLARGE")
        {
            error = "Size 'XLARGE' needs a GPU, which this emulator does not have; use SMALL, MEDIUM or LARGE.";
            return false;
        }

        if (asked is null || Array.IndexOf(SandboxTiers.Supported, asked) < 0)
        {
            error = "'size' must be one of SMALL, MEDIUM, LARGE (got " + Describe(element) + ").";
            return false;
        }

        size = asked;
        return true;
    }

    private static bool TrySeconds(JsonElement root, string field, int fallback, out int seconds, out string? error)
    {
        seconds = fallback;
        error = null;
        if (!root.TryGetProperty(field, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out seconds) || seconds < 1 || seconds > MaxSeconds)
        {
            error = $"'{field}' must be a whole number of seconds between 1 and {MaxSeconds} (got {Describe(element)}).";
            return false;
        }

        return true;
    }

    private static bool TryPorts(JsonElement root, out List<int>? ports, out string? error)
    {
        ports = [];
        error = null;
        if (!root.TryGetProperty("ports", out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            error = "'ports' must be an array of port numbers, e.g. [3000, 8080].";
            return false;
        }

        if (element.GetArrayLength() > MaxPorts)
        {
            error = $"'ports' lists {element.GetArrayLength()} ports; at most {MaxPorts} can be exposed.";
            return false;
        }

        foreach (JsonElement item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int port) || port < 1 || port > 65535)
            {
                error = $"Every entry of 'ports' must be an integer between 1 and 65535 (got {Describe(item)}).";
                return false;
            }

            if (!ports.Contains(port))
            {
                ports.Add(port);
            }
        }

        return true;
    }

    private static bool TryEnvs(JsonElement root, out Dictionary<string, string>? envs, out string? error)
    {
        envs = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        if (!root.TryGetProperty("envs", out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "'envs' must be an object of string values, e.g. {\"NODE_ENV\":\"production\"}.";
            return false;
        }

        long bytes = 0;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (envs.Count == MaxEnvs)
            {
                error = $"'envs' has more than {MaxEnvs} variables; pass fewer.";
                return false;
            }

            if (!IsEnvName(property.Name))
            {
                error = $"Environment variable name '{Truncate(property.Name)}' is invalid; names must match [A-Za-z_][A-Za-z0-9_]*.";
                return false;
            }

            if (property.Value.ValueKind != JsonValueKind.String)
            {
                error = $"Environment variable '{property.Name}' must have a string value (got {Describe(property.Value)}).";
                return false;
            }

            string value = property.Value.GetString()!;
            if (value.Contains('\0', StringComparison.Ordinal))
            {
                error = $"Environment variable '{property.Name}' contains a NUL character, which environments cannot hold.";
                return false;
            }

            bytes += Encoding.UTF8.GetByteCount(property.Name) + Encoding.UTF8.GetByteCount(value);
            if (bytes > MaxEnvBytes)
            {
                error = $"'envs' holds more than {MaxEnvBytes / 1024} KiB of names and values; pass less (use a file for big data).";
                return false;
            }

            envs[property.Name] = value;
        }

        return true;
    }

    /// <summary>Shape check only: <c>{network:{egress:"allow-all"|[{host,port,protocol?,rules?:[{methods,pathPattern}]}]}}</c>. Enforcement belongs to the egress layer.</summary>
    private static bool TryPolicy(JsonElement root, out string? policy, out string? error)
    {
        policy = null;
        error = null;
        if (!root.TryGetProperty("policy", out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        const string Shape = " Expected {\"network\":{\"egress\":\"allow-all\" or [{\"host\":\"api.example.com\",\"port\":443}]}}.";
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "'policy' must be an object." + Shape;
            return false;
        }

        if (element.TryGetProperty("network", out JsonElement network) && network.ValueKind != JsonValueKind.Null)
        {
            if (network.ValueKind != JsonValueKind.Object)
            {
                error = "'policy.network' must be an object." + Shape;
                return false;
            }

            if (network.TryGetProperty("egress", out JsonElement egress) && egress.ValueKind != JsonValueKind.Null
                && !IsValidEgress(egress, out error))
            {
                error += Shape;
                return false;
            }
        }

        policy = element.GetRawText();
        return true;
    }

    /// <summary>
    /// Parses <c>policy.network.egress</c> into the policy the egress layer enforces (after the shape check, which gives
    /// friendlier messages): host canonicalisation, wildcard and path-pattern rules are decided once, here.
    /// </summary>
    private static bool TryEgress(JsonElement root, out EgressPolicy egress, out string? error)
    {
        egress = EgressPolicy.DenyAll;
        error = null;
        if (!root.TryGetProperty("policy", out JsonElement policy) || policy.ValueKind != JsonValueKind.Object
            || !policy.TryGetProperty("network", out JsonElement network) || network.ValueKind != JsonValueKind.Object
            || !network.TryGetProperty("egress", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        try
        {
            egress = EgressPolicyParser.Parse(value.GetRawText());
            return true;
        }
        catch (EgressPolicyException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static bool IsValidEgress(JsonElement egress, out string? error)
    {
        error = null;
        if (egress.ValueKind == JsonValueKind.String)
        {
            if (egress.GetString() == "allow-all")
            {
                return true;
            }

            error = "'policy.network.egress' as a string can only be \"allow-all\".";
            return false;
        }

        if (egress.ValueKind != JsonValueKind.Array)
        {
            error = "'policy.network.egress' must be \"allow-all\" or an array of rules.";
            return false;
        }

        if (egress.GetArrayLength() > 256)
        {
            error = "'policy.network.egress' has more than 256 rules.";
            return false;
        }

        int index = 0;
        foreach (JsonElement rule in egress.EnumerateArray())
        {
            string where = $"'policy.network.egress[{index++}]'";
            if (rule.ValueKind != JsonValueKind.Object)
            {
                error = where + " must be an object with 'host' and 'port'.";
                return false;
            }

            if (!rule.TryGetProperty("host", out JsonElement host) || host.ValueKind != JsonValueKind.String
                || host.GetString()!.Length is 0 or > 253)
            {
                error = where + ".host must be a non-empty host name (at most 253 characters).";
                return false;
            }

            if (!rule.TryGetProperty("port", out JsonElement port) || port.ValueKind != JsonValueKind.Number
                || !port.TryGetInt32(out int portNumber) || portNumber is < 1 or > 65535)
            {
                error = where + ".port must be an integer between 1 and 65535.";
                return false;
            }

            if (rule.TryGetProperty("protocol", out JsonElement protocol) && protocol.ValueKind != JsonValueKind.Null
                && (protocol.ValueKind != JsonValueKind.String || protocol.GetString() is not ("TCP" or "UDP")))
            {
                error = where + ".protocol must be \"TCP\" or \"UDP\".";
                return false;
            }

            if (rule.TryGetProperty("rules", out JsonElement l7) && l7.ValueKind != JsonValueKind.Null && !IsValidL7(l7, where, out error))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidL7(JsonElement rules, string where, out string? error)
    {
        error = null;
        if (rules.ValueKind != JsonValueKind.Array)
        {
            error = where + ".rules must be an array of {\"methods\":[...],\"pathPattern\":\"/...\"}.";
            return false;
        }

        foreach (JsonElement rule in rules.EnumerateArray())
        {
            if (rule.ValueKind != JsonValueKind.Object
                || !rule.TryGetProperty("methods", out JsonElement methods) || methods.ValueKind != JsonValueKind.Array
                || !rule.TryGetProperty("pathPattern", out JsonElement path) || path.ValueKind != JsonValueKind.String
                || !path.GetString()!.StartsWith('/'))
            {
                error = where + ".rules entries need \"methods\" (array) and \"pathPattern\" (a path starting with '/').";
                return false;
            }

            foreach (JsonElement method in methods.EnumerateArray())
            {
                if (method.ValueKind != JsonValueKind.String || Array.IndexOf(HttpVerbs, method.GetString()) < 0)
                {
                    error = where + ".rules methods must be among " + string.Join(", ", HttpVerbs) + ".";
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsEnvName(string name)
    {
        if (name.Length == 0 || name.Length > 256 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => "\"" + Truncate(element.GetString()!) + "\"",
        JsonValueKind.Number => Truncate(element.GetRawText()),
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
