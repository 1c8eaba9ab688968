using System.Text.Json.Serialization;

namespace AotSandbox.Emulator.Rest;

/// <summary>The body of create and GET (docs/PROTOCOL.md §2.5); <see cref="Token"/> only on create, <see cref="Reason"/> only for ended sandboxes.</summary>
internal sealed class SandboxView
{
    [JsonPropertyName("sandboxId")] public required string SandboxId { get; init; }
    [JsonPropertyName("token")][JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Token { get; init; }
    [JsonPropertyName("wsEndpoint")] public required string WsEndpoint { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("reason")][JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Reason { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("size")] public required string Size { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("cluster")] public required string Cluster { get; init; }
    [JsonPropertyName("region")] public required string Region { get; init; }
    [JsonPropertyName("maxLifetime")] public int MaxLifetime { get; init; }
    [JsonPropertyName("idleTimeout")] public int IdleTimeout { get; init; }
    [JsonPropertyName("protocolVersion")] public string ProtocolVersion { get; init; } = "1";
    [JsonPropertyName("previewUrls")] public required Dictionary<string, string> PreviewUrls { get; init; }
    [JsonPropertyName("managementEndpoint")] public required string ManagementEndpoint { get; init; }
    [JsonPropertyName("createdAt")] public required string CreatedAt { get; init; }
    [JsonPropertyName("expiresAt")] public required string ExpiresAt { get; init; }
    [JsonPropertyName("extensions")] public required string[] Extensions { get; init; }
}

/// <summary>The DELETE body: both clients parse it as JSON and read <c>status</c>.</summary>
internal sealed class DestroyResult
{
    [JsonPropertyName("sandboxId")] public required string SandboxId { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
}

/// <summary>Every non-2xx body: one sentence saying what is wrong and what to do.</summary>
internal sealed class ErrorBody
{
    [JsonPropertyName("error")] public required string Error { get; init; }
}

/// <summary>The <c>/healthz</c> body.</summary>
internal sealed class HealthBody
{
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("sandboxes")] public int Sandboxes { get; init; }
}

/// <summary>Source-generated serializers: the emulator never uses reflection-based JSON (Native AOT).</summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(SandboxView))]
[JsonSerializable(typeof(DestroyResult))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(SandboxListView))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext;
