using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator.Sandboxes;

/// <summary>Maps the protocol's size tiers to the limits a sandbox really gets on this machine.</summary>
internal static class SandboxTiers
{
    private const long MiB = 1024L * 1024;
    private const long GiB = 1024 * MiB;
    private const long TmpBytes = 256 * MiB;

    /// <summary>The tier names the emulator can honour (XLARGE asks for a GPU, which it does not have).</summary>
    public static readonly string[] Supported = ["SMALL", "MEDIUM", "LARGE"];

    /// <summary>Limits for a tier; memory is capped at half of this machine's RAM and cpu at its cores, so a LARGE sandbox cannot starve the host.</summary>
    public static SandboxLimits LimitsFor(string tier)
    {
        var (cpuMillis, memory, pids, workspace) = tier switch
        {
            "SMALL" => (500, 512 * MiB, 512, 1 * GiB),
            "MEDIUM" => (2000, 4 * GiB, 1024, 2 * GiB),
            "LARGE" => (4000, 16 * GiB, 2048, 4 * GiB),
            _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "unknown tier"),
        };
        long halfRam = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
        if (halfRam > 0)
        {
            memory = Math.Min(memory, halfRam);
        }

        cpuMillis = Math.Min(cpuMillis, Environment.ProcessorCount * 1000);
        return new SandboxLimits(memory, pids, cpuMillis, workspace, TmpBytes);
    }
}
