using System.Globalization;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// What the reliability range owns on the host right now: processes of its uids, cgroup directories under its parent
/// in every controller, network namespaces with its prefix, sandbox state directories and mounts under its state
/// root. After a test's sandboxes are destroyed, only the bystander may own anything.
/// </summary>
internal static class HostInventory
{
    private static readonly string[] Controllers = ["memory", "pids", "cpu", "cpuacct", "freezer"];

    public static List<string> Leftovers(string keepId) => Leftovers(SecurityFixture.RuntimeOptions, keepId);

    /// <summary>What a range (uids, cgroup parent, netns prefix, state root) owns on the host apart from <paramref name="keepId"/>'s sandbox.</summary>
    public static List<string> Leftovers(AotSandbox.Emulator.Runtime.BubblewrapRuntimeOptions options, string keepId) =>
        Leftovers(options, [keepId]);

    /// <summary>
    /// What a range owns on the host apart from the sandboxes <paramref name="keepIds"/> (a bystander, and the idle entries
    /// of the emulator's pre-warmed pool, which are the emulator's own and live as long as it does).
    /// </summary>
    public static List<string> Leftovers(AotSandbox.Emulator.Runtime.BubblewrapRuntimeOptions options, IReadOnlyCollection<string> keepIds)
    {
        var found = new List<string>();
        foreach (string controller in Controllers)
        {
            string parent = Path.Combine("/sys/fs/cgroup", controller, options.CgroupParent);
            if (Directory.Exists(parent))
            {
                found.AddRange(Directory.GetDirectories(parent).Where(d => !keepIds.Contains(Path.GetFileName(d))).Select(d => "cgroup " + d));
            }
        }

        if (Directory.Exists("/run/netns"))
        {
            found.AddRange(Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>()
                .Where(n => n.StartsWith(options.NetnsPrefix, StringComparison.Ordinal) && !keepIds.Contains(n[options.NetnsPrefix.Length..]))
                .Select(n => "netns " + n));
        }

        string sandboxes = Path.Combine(options.StateRoot, "sandboxes");
        if (Directory.Exists(sandboxes))
        {
            found.AddRange(Directory.GetDirectories(sandboxes).Where(d => !keepIds.Contains(Path.GetFileName(d))).Select(d => "state " + d));
        }

        found.AddRange(File.ReadAllLines("/proc/self/mountinfo")
            .Where(l => l.Contains(options.StateRoot + "/", StringComparison.Ordinal) && !keepIds.Any(id => l.Contains(id, StringComparison.Ordinal)))
            .Select(l => "mount " + l));

        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                string? uidLine = File.ReadLines(Path.Combine(directory, "status")).FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
                if (uidLine is null)
                {
                    continue;
                }

                long uid = long.Parse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                if (uid < options.UidBase || uid >= options.UidBase + options.UidCount)
                {
                    continue;
                }

                string cgroups = File.ReadAllText(Path.Combine(directory, "cgroup"));
                if (!keepIds.Any(id => cgroups.Contains("/" + options.CgroupParent + "/" + id, StringComparison.Ordinal)))
                {
                    found.Add($"process {pid} uid {uid}: {File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ')}");
                }
            }
            catch (IOException)
            {
                // Exited while we looked.
            }
        }

        return found;
    }

    public static void ExpectEmptyApartFrom(IReadOnlyCollection<string> keepIds, bool before)
    {
        List<string> leftovers = Leftovers(SecurityFixture.RuntimeOptions, keepIds);
        Assert.True(leftovers.Count == 0, (before ? "before the battery: " : "") + string.Join("\n", leftovers));
    }

    /// <summary>
    /// Teardown is asynchronous (destroy answers before the last cgroup is gone): poll until clean or fail. The sandboxes
    /// to keep are asked for on every round, since the pool replaces claimed entries meanwhile.
    /// </summary>
    public static async Task WaitEmptyApartFromAsync(Func<Task<IReadOnlyCollection<string>>> keepIds, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        List<string> leftovers;
        while ((leftovers = Leftovers(SecurityFixture.RuntimeOptions, await keepIds())).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(leftovers.Count == 0, "left on the host after teardown:\n" + string.Join("\n", leftovers));
    }
}
