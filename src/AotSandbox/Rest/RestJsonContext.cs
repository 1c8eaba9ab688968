using System.Text.Json.Serialization;

namespace AotSandbox.Rest;

/// <summary>
/// Source-generated JSON contract of the REST bodies: the reference the tests hold <see cref="RestJson"/> to. The SDK
/// itself reads and writes through RestJson, so the serializer stays out of AOT images.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateSandboxRequest))]
[JsonSerializable(typeof(SandboxResponse), GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(SandboxListResponse), GenerationMode = JsonSourceGenerationMode.Metadata)]
internal sealed partial class RestJsonContext : JsonSerializerContext
{
}
