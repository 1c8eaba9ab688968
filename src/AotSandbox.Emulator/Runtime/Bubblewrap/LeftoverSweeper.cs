using System.Globalization;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// Removes what a crashed earlier run left behind: processes of pool uids, sandbox cgroups, <c>aotsb-*</c>
/// network namespaces and state directories. Resources of sandboxes this runtime still runs are kept.
/// </summary>
internal static class LeftoverSweeper
{
    public static async Task SweepAsync(BubblewrapRuntimeOptions options, UidPool uids, IReadOnlyCollection<BubblewrapSandbox> live, CancellationToken cancellationToken)
    {
        var liveIds = live.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var liveUids = live.Select(s => s.Uid).ToHashSet();

        // Processes first, so nothing holds the cgroups or namespaces while they are removed. Repeat: a process
        // may fork between the scan and its death.
        for (var round = 0; round < 20 && KillPoolProcesses(uids, liveUids, options.CgroupParent) > 0; round++)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        foreach (var controller in CgroupSet.Controllers)
        {
            var parent = Path.Combine(options.CgroupRoot, controller, options.CgroupParent);
            if (!Directory.Exists(parent))
            {
                continue;
            }

            foreach (var directory in Directory.GetDirectories(parent).Where(d => !liveIds.Contains(Path.GetFileName(d))))
            {
                var leftover = new CgroupSet(options.CgroupRoot, options.CgroupParent, Path.GetFileName(directory));
                await leftover.KillAllAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                leftover.TryRemove();
            }
        }

        foreach (var name in NetworkNamespace.List(options.NetnsPrefix).Where(n => !liveIds.Contains(n[options.NetnsPrefix.Length..])))
        {
            await NetworkNamespace.DeleteAsync(options.IpPath, name).ConfigureAwait(false);
        }

        var sandboxes = StateDirectory.SandboxesRoot(options.StateRoot);
        if (Directory.Exists(sandboxes))
        {
            foreach (var directory in Directory.GetDirectories(sandboxes).Where(d => !liveIds.Contains(Path.GetFileName(d))))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>
    /// SIGKILLs every process whose real uid is in the pool (but not a live sandbox's) and that sits in this runtime's
    /// cgroup parent, i.e. belonged to one of its sandboxes; returns how many. A pool-uid process elsewhere is not ours
    /// to kill (<see cref="PoolUidGuard"/> refuses such a range at start-up).
    /// </summary>
    public static int KillPoolProcesses(UidPool uids, IReadOnlySet<int> keep, string cgroupParent)
    {
        var killed = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            var uid = ReadRealUid(directory);
            if (uid is { } u && uids.Contains(u) && !keep.Contains((int)u) && IsInCgroupParent(pid, cgroupParent) == true
                && NativeMethods.Kill(pid, NativeMethods.SIGKILL) == 0)
            {
                killed++;
            }
        }
        return killed;
    }

    /// <summary>All pids whose real uid is in the pool (for leak checks).</summary>
    public static List<int> FindPoolProcesses(UidPool uids)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadRealUid(directory) is { } u && uids.Contains(u))
            {
                found.Add(pid);
            }
        }
        return found;
    }

    /// <summary>
    /// Whether <paramref name="pid"/> is in a cgroup below <paramref name="cgroupParent"/> in any controller (v1 lines
    /// <c>id:controllers:/path</c>); null when the process is gone. The launcher joins the sandbox's cgroups before bwrap,
    /// so every process a sandbox ever ran is there, and nothing inside can leave (no write access to cgroupfs).
    /// </summary>
    public static bool? IsInCgroupParent(int pid, string cgroupParent)
    {
        var prefix = "/" + cgroupParent + "/";
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/cgroup"))
            {
                var path = line.Split(':', 3) is { Length: 3 } fields ? fields[2] : string.Empty;
                if (path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            return false;
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

    public static long? ReadRealUid(string procDirectory)
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(procDirectory, "status")))
            {
                if (!line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    continue;
                }

                var fields = line.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 1 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
            }
        }
        catch (IOException)
        {
            // The process exited while we looked.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
