using System.Text.Json;
using System.Text.Json.Serialization;

namespace AotSandbox.Rest;

/// <summary>
/// The fields of a create/get/delete response that the SDK reads. Fields whose shape the service does not guarantee
/// (<c>previewUrls</c>, <c>extensions</c>) are kept as raw JSON and validated entry by entry, so one odd value cannot
/// fail the whole call.
/// </summary>
internal sealed class SandboxResponse
{
    [JsonPropertyName("sandboxId")]
    public string? SandboxId { get; set; }

    [JsonPropertyName("token")]
    public string? Token { get; set; }

    [JsonPropertyName("wsEndpoint")]
    public string? WsEndpoint { get; set; }

    [JsonPropertyName("status")]
    public string? Status { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("cluster")]
    public string? Cluster { get; set; }

    [JsonPropertyName("region")]
    public string? Region { get; set; }

    [JsonPropertyName("maxLifetime")]
    public JsonElement MaxLifetime { get; set; }

    [JsonPropertyName("idleTimeout")]
    public JsonElement IdleTimeout { get; set; }

    [JsonPropertyName("previewUrls")]
    public JsonElement PreviewUrls { get; set; }

    [JsonPropertyName("managementEndpoint")]
    public string? ManagementEndpoint { get; set; }

    [JsonPropertyName("protocolVersion")]
    public string? ProtocolVersion { get; set; }

    [JsonPropertyName("extensions")]
    public JsonElement Extensions { get; set; }

    // Read by the list (docs/PROTOCOL.md §4.6) only; kept raw so that an odd value drops that field, not the answer.
    [JsonPropertyName("size")]
    public JsonElement Size { get; set; }

    [JsonPropertyName("reason")]
    public JsonElement Reason { get; set; }

    [JsonPropertyName("createdAt")]
    public JsonElement CreatedAt { get; set; }

    [JsonPropertyName("expiresAt")]
    public JsonElement ExpiresAt { get; set; }
}
