using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AotSandbox.Rest;

namespace AotSandbox;

/// <summary>Security policy of a sandbox (sent as <c>policy</c> in the create body).</summary>
[JsonConverter(typeof(SandboxPolicyJsonConverter))]
public sealed class SandboxPolicy
{
    /// <summary>Outbound network policy; sandboxes are default-deny when this is not set.</summary>
    public NetworkPolicy? Network { get; set; }

    /// <summary>
    /// Parses a policy in its wire JSON, e.g. <c>{"network":{"egress":[{"host":"*.adobe.io","port":443}]}}</c> or
    /// <c>{"network":{"egress":"allow-all"}}</c>. Strict: an unknown or repeated key, or a value of the wrong type, is
    /// refused (a typo must not change what a sandbox may reach). Values such as ports and methods are judged by the
    /// service when the sandbox is created.
    /// </summary>
    /// <param name="utf8Json">The policy as UTF-8 JSON.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="FormatException">The JSON is invalid or not a policy; the message names the offending key.</exception>
    public static SandboxPolicy Parse(ReadOnlySpan<byte> utf8Json) => SandboxPolicyJson.Parse(utf8Json);

    /// <summary>Parses a policy in its wire JSON; see <see cref="Parse(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="json">The policy JSON.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="FormatException">The JSON is invalid or not a policy; the message names the offending key.</exception>
    public static SandboxPolicy Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return SandboxPolicyJson.Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>The policy's wire JSON, exactly as the create body carries it.</summary>
    /// <returns>Compact JSON that <see cref="Parse(string)"/> reads back to an equal policy.</returns>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            SandboxPolicyJson.Write(writer, this);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
