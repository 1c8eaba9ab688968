namespace AotSandbox;

/// <summary>Resources of a size tier, in Kubernetes notation.</summary>
public sealed class SandboxSizeSpec : IEquatable<SandboxSizeSpec>
{
    /// <summary>Creates a spec.</summary>
    /// <param name="cpu">CPU quantity, e.g. <c>2000m</c>.</param>
    /// <param name="memory">Memory quantity, e.g. <c>4Gi</c>.</param>
    /// <param name="gpu">Number of GPUs.</param>
    public SandboxSizeSpec(string cpu, string memory, int gpu = 0)
    {
        Cpu = cpu;
        Memory = memory;
        Gpu = gpu;
    }

    /// <summary>CPU quantity, e.g. <c>2000m</c>.</summary>
    public string Cpu { get; }

    /// <summary>Memory quantity, e.g. <c>4Gi</c>.</summary>
    public string Memory { get; }

    /// <summary>Number of GPUs.</summary>
    public int Gpu { get; }

    /// <inheritdoc/>
    public bool Equals(SandboxSizeSpec? other)
        => other is not null && string.Equals(Cpu, other.Cpu, StringComparison.Ordinal)
            && string.Equals(Memory, other.Memory, StringComparison.Ordinal) && Gpu == other.Gpu;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SandboxSizeSpec);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Cpu), StringComparer.Ordinal.GetHashCode(Memory), Gpu);

    /// <inheritdoc/>
    public override string ToString() => $"cpu={Cpu}, memory={Memory}, gpu={Gpu}";
}
