using System.Text.Json;
using System.Text.Json.Serialization;

namespace AotSandbox.Rest;

/// <summary>
/// Lets System.Text.Json (source-generated contexts included) read and write <see cref="SandboxPolicy"/> through the one
/// policy parser, <see cref="SandboxPolicyJson"/>. A converter because <c>egress</c> is either a string or an array,
/// which a generated contract cannot express; it is reflection-free.
/// </summary>
internal sealed class SandboxPolicyJsonConverter : JsonConverter<SandboxPolicy>
{
    public override SandboxPolicy Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return SandboxPolicyJson.Read(ref reader);
        }
        catch (FormatException e)
        {
            throw new JsonException("policy: " + e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, SandboxPolicy value, JsonSerializerOptions options)
        => SandboxPolicyJson.Write(writer, value);
}
