using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AotSandbox.Emulator.Network;
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
            || !TryPolicy(root, out string? policy, out EgressPolicy egress, out error))
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

    /// <summary>
    /// <c>policy</c>: <c>{network:{egress:"allow-all"|[{host,port,protocol?,rules?:[{methods,pathPattern}]}]}}</c>. The
    /// egress value goes to the one egress parser, <see cref="EgressPolicyParser"/>, straight from the body's bytes; its
    /// message is the 400's. <paramref name="policy"/> keeps the policy's JSON as received.
    /// </summary>
    private static bool TryPolicy(JsonElement root, out string? policy, out EgressPolicy egress, out string? error)
    {
        policy = null;
        egress = EgressPolicy.DenyAll;
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

            if (network.TryGetProperty("egress", out JsonElement value))
            {
                try
                {
                    egress = EgressPolicyParser.Parse(JsonMarshal.GetRawUtf8Value(value));
                }
                catch (EgressPolicyException e)
                {
                    error = e.Message + "." + Shape;
                    return false;
                }
            }
        }

        policy = element.GetRawText();
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
