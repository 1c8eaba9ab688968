namespace AotSandbox.Emulator.Sandboxes;

/// <summary>
/// The wire values of <c>status</c>. A sandbox is created synchronously (the create call returns once it is
/// <see cref="Ready"/>), is <see cref="Running"/> afterwards, and ends in exactly one of the three final states,
/// which GET reports from a tombstone for a while.
/// </summary>
internal static class SandboxStatus
{
    /// <summary>In the create response.</summary>
    public const string Ready = "ready";

    /// <summary>In GET while alive.</summary>
    public const string Running = "running";

    /// <summary>Ended by DELETE (or by the emulator shutting down).</summary>
    public const string Destroyed = "destroyed";

    /// <summary>Ended by maxLifetime or idleTimeout.</summary>
    public const string Expired = "expired";

    /// <summary>Ended because its init/agent died.</summary>
    public const string Failed = "failed";
}
