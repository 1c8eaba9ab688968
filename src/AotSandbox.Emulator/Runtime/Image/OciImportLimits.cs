namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>Bounds of one OCI tarball import: a hostile tarball can make the emulator write this much and no more.</summary>
internal sealed record OciImportLimits(long MaxBlobBytes, long MaxExtractedBytes, int MaxEntries, int MaxLayers)
{
    public static readonly OciImportLimits Default = new(MaxBlobBytes: 8L << 30, MaxExtractedBytes: 16L << 30, MaxEntries: 1_000_000, MaxLayers: 128);

    /// <summary>Largest index.json, manifest or oci-layout read into memory.</summary>
    public const int MaxJsonBytes = 1 << 20;
}
