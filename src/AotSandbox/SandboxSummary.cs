namespace AotSandbox;

/// <summary>
/// One sandbox as <see cref="Sandbox.ListAsync"/> reports it: what the service said about it, without a session token
/// (listing never hands one out). Fields the service did not report, or reported in an unexpected shape, are null.
/// </summary>
public sealed class SandboxSummary
{
    internal SandboxSummary(
        string id, string? name, string? status, string? size, DateTimeOffset? createdAt, DateTimeOffset? expiresAt,
        IReadOnlyDictionary<int, string> previewUrls, string? reason, string? cluster, string? region)
    {
        Id = id;
        Name = name;
        Status = status;
        Size = size;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        PreviewUrls = previewUrls;
        Reason = reason;
        Cluster = cluster;
        Region = region;
    }

    /// <summary>The sandbox id (e.g. <c>sb-…</c>).</summary>
    public string Id { get; }

    /// <summary>Display name, when it has one.</summary>
    public string? Name { get; }

    /// <summary><c>running</c> while it lives; <c>destroyed</c>, <c>expired</c> or <c>failed</c> once ended (listed only on request).</summary>
    public string? Status { get; }

    /// <summary>Resource tier as the service names it (e.g. <c>SMALL</c>).</summary>
    public string? Size { get; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset? CreatedAt { get; }

    /// <summary>When its maximum lifetime ends it.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Preview URL of each port declared at creation.</summary>
    public IReadOnlyDictionary<int, string> PreviewUrls { get; }

    /// <summary>Why it ended (ended sandboxes only).</summary>
    public string? Reason { get; }

    /// <summary>Cluster it runs in, when reported.</summary>
    public string? Cluster { get; }

    /// <summary>Region it runs in, when reported.</summary>
    public string? Region { get; }

    /// <summary>How long ago it was created, at <paramref name="now"/>; null when the creation time is unknown.</summary>
    /// <param name="now">The current time.</param>
    /// <returns>The age, never negative.</returns>
    public TimeSpan? AgeAt(DateTimeOffset now) => CreatedAt is { } created ? (now > created ? now - created : TimeSpan.Zero) : null;
}
