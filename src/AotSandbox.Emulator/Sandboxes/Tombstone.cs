namespace AotSandbox.Emulator.Sandboxes;

/// <summary>What GET reports for a sandbox that ended: its last description, the final status and why.</summary>
internal sealed record Tombstone(SandboxDescription Description, string Status, string Reason, DateTimeOffset EndedAt);
