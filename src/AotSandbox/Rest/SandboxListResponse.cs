using System.Text.Json;
using System.Text.Json.Serialization;

namespace AotSandbox.Rest;

/// <summary>The list body (docs/PROTOCOL.md §4.6), every field kept raw and checked by <see cref="SandboxListParser"/>.</summary>
internal sealed class SandboxListResponse
{
    [JsonPropertyName("sandboxes")]
    public JsonElement Sandboxes { get; set; }

    [JsonPropertyName("nextCursor")]
    public JsonElement NextCursor { get; set; }

    [JsonPropertyName("extensions")]
    public JsonElement Extensions { get; set; }
}
