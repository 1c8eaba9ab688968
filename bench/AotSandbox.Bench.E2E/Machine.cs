using System.Globalization;

namespace AotSandbox.Bench.E2E;

/// <summary>What the numbers were measured on.</summary>
internal static class Machine
{
    public static string Describe()
    {
        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        string memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        long memoryKb = long.Parse(memory.Split(' ')[0], CultureInfo.InvariantCulture);
        string kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        string load = File.ReadAllText("/proc/loadavg").Trim();
        return string.Join(
            Environment.NewLine,
            $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC",
            $"- CPU: {cpu}, nproc = {Environment.ProcessorCount}",
            $"- Memory: {memoryKb / 1024.0 / 1024.0:0.0} GiB",
            $"- Kernel: Linux {kernel}",
            $"- .NET: {Environment.Version}",
            $"- Load average at start (1/5/15 min, runnable/total): {load} — the machine's 2 cores are shared with other work, so absolute figures move; ratios are taken within one run.");
    }
}
