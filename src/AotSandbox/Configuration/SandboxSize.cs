namespace AotSandbox;

/// <summary>Resource tiers of a sandbox; see <see cref="Sandbox.Sizes"/> for what each provides.</summary>
public enum SandboxSize
{
    /// <summary><c>SMALL</c>: 500m cpu, 512Mi memory.</summary>
    Small,

    /// <summary><c>MEDIUM</c>: 2000m cpu, 4Gi memory (the default).</summary>
    Medium,

    /// <summary><c>LARGE</c>: 4000m cpu, 16Gi memory.</summary>
    Large,

    /// <summary><c>XLARGE</c>: 8000m cpu, 32Gi memory, 1 GPU.</summary>
    XLarge,
}
