using System.Globalization;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// Refuses a uid range that is not the emulator's alone. Each sandbox runs as a pool uid/gid and the leftover sweep
/// SIGKILLs pool-uid processes, so a range that overlaps a host account or group, or that a process outside the
/// emulator's own sandboxes already uses, would hand that account's files to a sandbox and let the sweep kill that
/// account's processes. Checked at start-up, before anything is swept; the error names the uid and what uses it.
/// </summary>
internal static class PoolUidGuard
{
    public static void Check(BubblewrapRuntimeOptions options, UidPool uids)
    {
        var conflict = FindAccount(uids, ReadOrEmpty(options.PasswdPath), options.PasswdPath, "account")
            ?? FindAccount(uids, ReadOrEmpty(options.GroupPath), options.GroupPath, "group")
            ?? FindForeignProcess(uids, options.CgroupParent);
        if (conflict is not null)
        {
            throw new SandboxRuntimeUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"cannot use sandbox uids {uids.BaseUid + 1}..{uids.BaseUid + uids.Count}: {conflict}; run as a separate instance with another uid range (--instance NAME), or free that uid"));
        }
    }

    /// <summary>The first passwd/group line (<c>name:x:id:...</c>) whose id is in the pool, as a phrase; null when none.</summary>
    public static string? FindAccount(UidPool uids, string fileText, string fileName, string what)
    {
        foreach (var line in fileText.Split('\n'))
        {
            var fields = line.Split(':');
            if (fields.Length >= 3 && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && uids.Contains(id))
            {
                return string.Create(CultureInfo.InvariantCulture, $"id {id} belongs to host {what} '{fields[0]}' in {fileName}");
            }
        }
        return null;
    }

    /// <summary>A process whose real uid is in the pool but that is not inside this emulator's cgroup parent.</summary>
    private static string? FindForeignProcess(UidPool uids, string cgroupParent)
    {
        foreach (var pid in LeftoverSweeper.FindPoolProcesses(uids))
        {
            if (LeftoverSweeper.IsInCgroupParent(pid, cgroupParent) != false)
            {
                continue; // ours (a leftover sandbox the sweep will remove), or it exited meanwhile
            }

            if (IsExiting(pid))
            {
                continue; // a zombie has left its cgroups (the kernel shows "/") and holds nothing: e.g. the bwrap of a
            }
            // sandbox whose emulator was SIGKILLed, not yet reaped by its new parent
            var uid = LeftoverSweeper.ReadRealUid($"/proc/{pid}");
            var name = ReadOrEmpty($"/proc/{pid}/comm").Trim();
            return string.Create(CultureInfo.InvariantCulture, $"uid {uid} is used by host process {pid} ({name}), which is not one of this emulator's sandboxes");
        }
        return null;
    }

    /// <summary>Whether the process is a zombie or dead (state Z or X in /proc/PID/stat), or already gone.</summary>
    private static bool IsExiting(int pid)
    {
        string stat = ReadOrEmpty($"/proc/{pid}/stat");
        // "pid (comm) S ...": the state follows the last ')' (comm may contain parentheses and spaces).
        int close = stat.LastIndexOf(')');
        return close < 0 || close + 2 >= stat.Length || stat[close + 2] is 'Z' or 'X';
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
