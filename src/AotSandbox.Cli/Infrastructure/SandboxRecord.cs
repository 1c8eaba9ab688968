namespace AotSandbox.Cli;

/// <summary>What a later CLI process needs to reach a sandbox this user created: where it lives and its session token.</summary>
internal sealed record SandboxRecord(string SandboxId, string ApiHost, string Namespace, string? WebSocketEndpoint, string? ManagementEndpoint, string Token);
