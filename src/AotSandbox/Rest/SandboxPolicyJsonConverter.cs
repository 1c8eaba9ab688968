using System.Text.Json;
using System.Text.Json.Serialization;

namespace AotSandbox.Rest;

/// <summary>
/// Writes <see cref="SandboxPolicy"/> as <c>{"network":{"egress":"allow-all" | [rules]}}</c>. A converter because
/// <c>egress</c> is either a string or an array, which a generated contract cannot express; it is reflection-free.
/// </summary>
internal sealed class SandboxPolicyJsonConverter : JsonConverter<SandboxPolicy>
{
    public override SandboxPolicy Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => throw new NotSupportedException("The SDK only sends policies.");

    public override void Write(Utf8JsonWriter writer, SandboxPolicy value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.Network is { } network)
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
}
