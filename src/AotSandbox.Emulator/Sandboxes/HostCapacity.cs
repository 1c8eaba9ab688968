using System.Globalization;

namespace AotSandbox.Emulator.Sandboxes;

/// <summary>Default host budgets derived from this machine (kernel pid_max, MemTotal); the parsers are pure functions of the file text.</summary>
internal static class HostCapacity
{
    /// <summary>Pids left to the host whatever the budget: ip, nft, bwrap, the emulator's own threads, everyone's shells.</summary>
    public const long MinHostPidReserve = 4096;

    /// <summary>
    /// Sandbox memory limits are ceilings, mostly unused: their sum may exceed the host's memory by this factor
    /// (a dev box runs a few MEDIUM sandboxes), but not without bound.
    /// </summary>
    public const long MemoryOvercommit = 4;

    /// <summary>pid_max minus a reserve for the host (an eighth, at least <see cref="MinHostPidReserve"/>).</summary>
    public static long DefaultPidBudget(long pidMax) => Math.Max(0, pidMax - Math.Max(MinHostPidReserve, pidMax / 8));

    public static long DefaultMemoryBudget(long memTotalBytes) => memTotalBytes * MemoryOvercommit;

    public static long ReadPidMax() => ParsePidMax(TryRead("/proc/sys/kernel/pid_max")) ?? 32768;

    public static long ReadMemTotalBytes() => ParseMemTotalBytes(TryRead("/proc/meminfo")) ?? 4L << 30;

    public static long? ParsePidMax(string? text) =>
        long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0 ? value : null;

    /// <summary>The <c>MemTotal:  24683568 kB</c> line of /proc/meminfo, in bytes.</summary>
    public static long? ParseMemTotalBytes(string? meminfo)
    {
        foreach (string line in (meminfo ?? string.Empty).Split('\n'))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                continue;
            }

            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length >= 3 && fields[2] == "kB" && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib)
                ? kib * 1024
                : null;
        }

        return null;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
