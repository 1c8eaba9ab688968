using System.Globalization;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// The cgroup v1 directories of one sandbox (<c>{memory,pids,cpu}/&lt;parent&gt;/&lt;id&gt;</c>): limits, the
/// membership files the launcher joins before bwrap starts, and teardown (kill every member, then rmdir).
/// </summary>
internal sealed class CgroupSet
{
    public static readonly string[] Controllers = ["memory", "pids", "cpu"];

    /// <summary>The kernel's default cpu.cfs_period_us of a new cgroup (the quota is computed against it).</summary>
    public const int CpuPeriodMicros = 100_000;

    /// <summary>0 = not looked up yet, 1 = memory.memsw.* exists, 2 = it does not (swapaccount off).</summary>
    private static int s_swapAccounting;

    private readonly string[] _directories;

    public CgroupSet(string root, string parent, string id)
    {
        _directories = new string[Controllers.Length];
        for (var i = 0; i < Controllers.Length; i++)
        {
            _directories[i] = Path.Combine(root, Controllers[i], parent, id);
        }
    }

    /// <summary>The <c>cgroup.procs</c> files, one per controller, in <see cref="Controllers"/> order.</summary>
    public IEnumerable<string> ProcsFiles => _directories.Select(d => Path.Combine(d, "cgroup.procs"));

    public void Create(SandboxLimits limits)
    {
        foreach (var directory in _directories)
        {
            Directory.CreateDirectory(directory);
        }

        Apply(limits);
    }

    /// <summary>
    /// Writes the limits into existing cgroups: at creation, and again when a pre-warmed sandbox is claimed for a size
    /// whose limits differ from the ones it idled with.
    /// </summary>
    public void Apply(SandboxLimits limits)
    {
        var memory = _directories[0];
        // tmpfs pages (workspace, /tmp) are charged here too, so this also bounds what disk fill can take.
        // Same value for memory+swap: the sandbox cannot escape the limit by swapping (when swap accounting is on).
        // The kernel keeps memory <= memory+swap at every step, so raising writes memsw first and lowering writes it last.
        // Whether the kernel accounts swap is fixed at boot, so it is looked up once, not stat'ed per sandbox.
        var memsw = HasSwapAccounting(memory);
        var raising = memsw && limits.MemoryBytes > Read(memory, "memory.memsw.limit_in_bytes");
        if (raising)
        {
            Write(memory, "memory.memsw.limit_in_bytes", limits.MemoryBytes);
        }

        Write(memory, "memory.limit_in_bytes", limits.MemoryBytes);
        if (memsw && !raising)
        {
            Write(memory, "memory.memsw.limit_in_bytes", limits.MemoryBytes);
        }

        Write(_directories[1], "pids.max", limits.MaxPids);
        if (limits.CpuMillis > 0)
        {
            // cpu.cfs_period_us is not written: every new cgroup v1 starts at the kernel's default period, 100 ms,
            // which is CpuPeriodMicros (CgroupSetTests checks it), so the quota below is relative to it.
            Write(_directories[2], "cpu.cfs_quota_us", Math.Max(1000L, (long)limits.CpuMillis * CpuPeriodMicros / 1000));
            Write(_directories[2], "cpu.shares", Math.Max(2L, (long)limits.CpuMillis * 1024 / 1000));
        }
        else
        {
            Write(_directories[2], "cpu.cfs_quota_us", -1);
        }
    }

    /// <summary>SIGKILLs every member until all cgroups are empty (members may fork while being killed).</summary>
    public Task<bool> KillAllAsync(TimeSpan timeout) => KillAllAsync(_directories, timeout);

    /// <summary>Removes the directories; returns false if one is still busy.</summary>
    public bool TryRemove() => TryRemove(_directories);

    /// <summary>Kills and removes every sandbox cgroup under the parent (leftovers of a crashed run).</summary>
    public static async Task SweepAsync(string root, string parent)
    {
        foreach (var controller in Controllers)
        {
            var parentDirectory = Path.Combine(root, controller, parent);
            if (!Directory.Exists(parentDirectory))
            {
                continue;
            }

            foreach (var directory in Directory.GetDirectories(parentDirectory))
            {
                await KillAllAsync([directory], TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                TryRemove([directory]);
            }
        }
    }

    private static async Task<bool> KillAllAsync(string[] directories, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = 0;
            foreach (var directory in directories)
            {
                foreach (var pid in ReadMembers(directory))
                {
                    found++;
                    _ = NativeMethods.Kill(pid, NativeMethods.SIGKILL);
                }
            }
            if (found == 0)
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    private static bool TryRemove(string[] directories)
    {
        var removed = true;
        foreach (var directory in directories)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory);
                }
            }
            catch (IOException)
            {
                removed = false;
            }
        }
        return removed;
    }

    private static List<int> ReadMembers(string directory)
    {
        var members = new List<int>();
        try
        {
            foreach (var line in File.ReadAllLines(Path.Combine(directory, "cgroup.procs")))
            {
                if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    members.Add(pid);
                }
            }
        }
        catch (IOException)
        {
            // The directory is gone: nothing left to kill.
        }
        return members;
    }

    private static bool HasSwapAccounting(string memoryDirectory)
    {
        int known = Volatile.Read(ref s_swapAccounting);
        if (known == 0)
        {
            known = File.Exists(Path.Combine(memoryDirectory, "memory.memsw.limit_in_bytes")) ? 1 : 2;
            Volatile.Write(ref s_swapAccounting, known);
        }

        return known == 1;
    }

    private static long Read(string directory, string file) =>
        long.Parse(File.ReadAllText(Path.Combine(directory, file)).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static void Write(string directory, string file, long value)
    {
        // One open + one write of the digits: a cgroup control file takes the value in a single write(2).
        Span<byte> digits = stackalloc byte[20];
        if (!value.TryFormat(digits, out int length, provider: CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("unreachable: a long has at most 20 digits");
        }

        using var handle = File.OpenHandle(Path.Combine(directory, file), FileMode.Open, FileAccess.Write);
        RandomAccess.Write(handle, digits[..length], 0);
    }
}
