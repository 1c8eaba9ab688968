using AotSandbox.Emulator.Network;

namespace AotSandbox.Emulator.Rest;

/// <summary>A validated create body with every default applied.</summary>
internal sealed record CreateSandboxRequest(
    string? Name,
    string Size,
    string Type,
    int IdleTimeoutSeconds,
    int MaxLifetimeSeconds,
    string? Cluster,
    string? Region,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<int> Ports,
    string? PolicyJson)
{
    /// <summary>The enforced egress policy (default-deny when the body has none).</summary>
    public EgressPolicy Egress { get; init; } = EgressPolicy.DenyAll;
}
