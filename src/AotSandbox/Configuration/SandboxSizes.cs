using System.Collections.ObjectModel;

namespace AotSandbox;

/// <summary>The tier table and its wire names.</summary>
internal static class SandboxSizes
{
    public static readonly IReadOnlyDictionary<SandboxSize, SandboxSizeSpec> All = new ReadOnlyDictionary<SandboxSize, SandboxSizeSpec>(
        new Dictionary<SandboxSize, SandboxSizeSpec>
        {
            [SandboxSize.Small] = new("500m", "512Mi", 0),
            [SandboxSize.Medium] = new("2000m", "4Gi", 0),
            [SandboxSize.Large] = new("4000m", "16Gi", 0),
            [SandboxSize.XLarge] = new("8000m", "32Gi", 1),
        });

    /// <summary>The tier name sent in the create body.</summary>
    public static string WireName(SandboxSize size) => size switch
    {
        SandboxSize.Small => "SMALL",
        SandboxSize.Medium => "MEDIUM",
        SandboxSize.Large => "LARGE",
        SandboxSize.XLarge => "XLARGE",
        _ => throw new SandboxClientException("Invalid sandbox size provided"),
    };

    /// <summary>Resolves the options' size to a tier name; a spec must match a tier exactly.</summary>
    public static string Resolve(SandboxSize size, SandboxSizeSpec? spec)
    {
        if (spec is null)
        {
            return WireName(size);
        }

        foreach (KeyValuePair<SandboxSize, SandboxSizeSpec> tier in All)
        {
            if (tier.Value.Equals(spec))
            {
                return WireName(tier.Key);
            }
        }

        throw new SandboxClientException("Invalid sandbox size provided");
    }
}
