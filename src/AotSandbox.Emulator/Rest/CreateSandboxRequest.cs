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
    string? PolicyJson);
