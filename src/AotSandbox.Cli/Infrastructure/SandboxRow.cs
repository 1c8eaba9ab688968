namespace AotSandbox.Cli;

/// <summary>One line of `ps`: from the service's list, or from a local record when the service cannot list.</summary>
internal sealed record SandboxRow(
    string Id, string? Name, string Status, string? Reason, string? Size, DateTimeOffset? CreatedAt, DateTimeOffset? ExpiresAt,
    IReadOnlyDictionary<int, string> PreviewUrls)
{
    public static SandboxRow From(SandboxSummary s) =>
        new(s.Id, s.Name, s.Status ?? "unknown", s.Reason, s.Size, s.CreatedAt, s.ExpiresAt, s.PreviewUrls);

    /// <summary>
    /// A record says nothing about the sandbox's state: only that its max lifetime has passed ("expired"), else
    /// "unknown" (it may have been destroyed elsewhere or idled out).
    /// </summary>
    public static SandboxRow From(SandboxRecord r, DateTimeOffset now) =>
        new(r.SandboxId, r.Name, r.ExpiresAt <= now ? "expired" : "unknown", null, r.Size, r.CreatedAt, r.ExpiresAt,
            r.PreviewUrls ?? new Dictionary<int, string>());
}
