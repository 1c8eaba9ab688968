using System.Text.Json.Serialization;

namespace AotSandbox.Benchmarks;

/// <summary>A server frame as conventional C# client code models it: a DTO bound by the source-generated serializer.</summary>
internal sealed record ServerFrameDto(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("execId")] string? ExecId,
    [property: JsonPropertyName("stream")] string? Stream,
    [property: JsonPropertyName("data")] string? Data,
    [property: JsonPropertyName("exitCode")] int? ExitCode);

/// <summary>A client frame (exec.run / exec.input / auth) as a DTO.</summary>
internal sealed record ClientFrameDto(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("execId")] string? ExecId = null,
    [property: JsonPropertyName("command")] string? Command = null,
    [property: JsonPropertyName("data")] string? Data = null,
    [property: JsonPropertyName("token")] string? Token = null);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ServerFrameDto))]
[JsonSerializable(typeof(ClientFrameDto))]
internal sealed partial class BaselineJsonContext : JsonSerializerContext;
