namespace AotSandbox.Emulator.Sandboxes;

/// <summary>The immutable facts of one sandbox, fixed at create time; REST views are rendered from it.</summary>
internal sealed record SandboxDescription(
    string Id,
    string Namespace,
    string? Name,
    string Size,
    string Type,
    string Cluster,
    string Region,
    int MaxLifetimeSeconds,
    int IdleTimeoutSeconds,
    IReadOnlyDictionary<int, string> PreviewTokens,
    DateTimeOffset CreatedAt)
{
    /// <summary>Preview URLs minted by the networking layer (port → URL); when null they are built from <see cref="PreviewTokens"/>.</summary>
    public IReadOnlyDictionary<int, string>? PreviewUrls { get; init; }

    /// <summary>When maxLifetime ends the sandbox.</summary>
    public DateTimeOffset ExpiresAt => CreatedAt.AddSeconds(MaxLifetimeSeconds);
}
