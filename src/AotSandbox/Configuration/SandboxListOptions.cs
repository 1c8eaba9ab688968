namespace AotSandbox;

/// <summary>What to list (<see cref="Sandbox.ListAsync"/>) plus how to reach the service (inherited).</summary>
public sealed class SandboxListOptions : SandboxConnectionOptions
{
    /// <summary>Most sandboxes the service may return per page (the emulator's bound).</summary>
    public const int MaxPageSize = 256;

    /// <summary>
    /// Also list sandboxes that ended recently (the emulator remembers them one hour), with their final
    /// <see cref="SandboxSummary.Status"/> and <see cref="SandboxSummary.Reason"/>. Default: live ones only.
    /// </summary>
    public bool IncludeEnded { get; set; }

    /// <summary>Sandboxes asked for per request, 1..<see cref="MaxPageSize"/> (default 100); every page is fetched.</summary>
    public int PageSize { get; set; } = 100;
}
