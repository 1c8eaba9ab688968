using System.Globalization;
using AotSandbox.Emulator.Network;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>Checks that this machine can run sandboxes; each failure is one line that says what to do.</summary>
internal static class Prerequisites
{
    public static void Check(BubblewrapRuntimeOptions options)
    {
        if (!OperatingSystem.IsLinux())
        {
            Fail("sandboxes need Linux (bubblewrap, namespaces, cgroups): run the emulator on Linux");
        }

        if (NativeMethods.GetEffectiveUserId() != 0)
        {
            Fail("the sandbox runtime needs root (cgroups, network namespaces, per-sandbox uids): run it as root, e.g. with sudo");
        }

        RequireExecutable(options.BwrapPath, "bubblewrap is not installed: run `apt-get install bubblewrap`");
        if (!LibNftables.IsAvailable())
        {
            Fail(LibNftables.MissingMessage);
        }

        if (!File.Exists(options.AgentPath))
        {
            Fail($"the sandbox agent is missing at {options.AgentPath}: rebuild AotSandbox.Emulator (it compiles agent/*.c with `cc`; run `apt-get install gcc` if cc is missing)");
        }

        if (ReadInt("/proc/sys/user/max_user_namespaces") is not > 0)
        {
            Fail("user namespaces are disabled: run `sysctl -w user.max_user_namespaces=15000`");
        }

        if (ReadInt("/proc/sys/kernel/unprivileged_userns_clone") is 0)
        {
            Fail("unprivileged user namespaces are disabled: run `sysctl -w kernel.unprivileged_userns_clone=1`");
        }

        foreach (var controller in CgroupSet.Controllers)
        {
            if (!File.Exists(Path.Combine(options.CgroupRoot, controller, "cgroup.procs")))
            {
                Fail($"the cgroup v1 '{controller}' controller is not mounted at {options.CgroupRoot}/{controller}: boot with cgroup v1 (systemd.unified_cgroup_hierarchy=0) or mount it with `mount -t cgroup -o {controller} cgroup {options.CgroupRoot}/{controller}`");
            }
        }
    }

    private static void RequireExecutable(string path, string message)
    {
        if (!File.Exists(path))
        {
            Fail(message);
        }
    }

    private static int? ReadInt(string path)
    {
        try
        {
            return int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void Fail(string message) => throw new SandboxRuntimeUnavailableException(message);
}
