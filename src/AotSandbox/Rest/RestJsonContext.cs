using System.Text.Json.Serialization;

namespace AotSandbox.Rest;

/// <summary>Source-generated (reflection-free) JSON metadata for the REST bodies.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateSandboxRequest))]
[JsonSerializable(typeof(SandboxResponse), GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(SandboxListResponse), GenerationMode = JsonSourceGenerationMode.Metadata)]
internal sealed partial class RestJsonContext : JsonSerializerContext
{
}
