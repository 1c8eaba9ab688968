namespace AotSandbox.Cli;

/// <summary>What a later CLI process needs to reach a sandbox this user created: where it lives and its session token.</summary>
internal sealed record SandboxRecord(string SandboxId, string ApiHost, string Namespace, string? WebSocketEndpoint, string? ManagementEndpoint, string Token)
{
    // What `ps` shows when the service cannot list (docs/PROTOCOL.md §4.6). Records written before these existed lack them.

    /// <summary>Display name given at create.</summary>
    public string? Name { get; init; }

    /// <summary>Size tier asked for at create (e.g. SMALL).</summary>
    public string? Size { get; init; }

    /// <summary>When `create` recorded it.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>When its max lifetime ends it.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The preview URL of each declared port.</summary>
    public IReadOnlyDictionary<int, string>? PreviewUrls { get; init; }
}
