using System.Text.Json.Serialization;

namespace AotSandbox.Rest;

/// <summary>
/// Body of <c>POST …/sandboxes</c>. Property order and presence follow the reference clients exactly: <c>name</c> is always
/// sent (JSON <c>null</c> when absent); <c>size</c>, <c>type</c>, <c>idleTimeout</c> and <c>maxLifetime</c> always;
/// the rest only when set.
/// </summary>
internal sealed class CreateSandboxRequest
{
    [JsonPropertyName("name")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Name { get; set; }

    [JsonPropertyName("size")]
    public string Size { get; set; } = "MEDIUM";

    [JsonPropertyName("type")]
    public string Type { get; set; } = "cpu:default";

    [JsonPropertyName("idleTimeout")]
    public long IdleTimeout { get; set; } = 900;

    [JsonPropertyName("maxLifetime")]
    public long MaxLifetime { get; set; } = 3600;

    [JsonPropertyName("cluster")]
    public string? Cluster { get; set; }

    [JsonPropertyName("region")]
    public string? Region { get; set; }

    [JsonPropertyName("envs")]
    public Dictionary<string, string>? Envs { get; set; }

    [JsonPropertyName("policy")]
    public SandboxPolicy? Policy { get; set; }

    [JsonPropertyName("ports")]
    public List<int>? Ports { get; set; }
}
