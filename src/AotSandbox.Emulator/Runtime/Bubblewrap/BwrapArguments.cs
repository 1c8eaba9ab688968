using System.Globalization;
using AotSandbox.Emulator.Runtime.Image;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// The bwrap command line of one sandbox. The root is an empty tmpfs made read-only at the end, so the sandbox
/// sees only what is listed here: /usr read-only, a generated /etc, size-capped tmpfs for home, /workspace and
/// /tmp, fresh /proc and a minimal /dev, and the agent on a read-only bind. No host path with state (/root,
/// /home, /run, /var, /work, the emulator's files) is mounted. With an image (<see cref="SandboxImage"/>), its software
/// directories and /etc take the place of the host's, and the generated /etc files are bound over the image's.
/// </summary>
internal static class BwrapArguments
{
    /// <summary>Where the agent binary appears inside the sandbox.</summary>
    public const string AgentPathInSandbox = "/.aotsandbox/agent";

    public static List<string> Build(string bwrapPath, string agentHostPath, StateDirectory state, SandboxSpec spec, long homeBytes, SandboxImage image)
    {
        var a = new List<string>(96) { bwrapPath };
        // Namespaces: the user namespace maps sandbox uid 1000 to the pool uid only; no nested user namespaces.
        a.AddRange(["--unshare-user", "--uid", "1000", "--gid", "1000", "--disable-userns"]);
        a.AddRange(["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup", "--hostname", "sandbox"]);
        // No shared terminal (TIOCSTI) and nothing of the host's environment. Deliberately no --die-with-parent: it sets
        // PR_SET_PDEATHSIG, which fires when the *thread* that spawned bwrap exits, and .NET spawns from thread-pool
        // threads that retire when idle, so long-lived sandboxes were SIGKILLed at random (status "failed"). The sandbox
        // still dies with the emulator: the agent (PID 1) exits when its request pipe reaches EOF, and the kernel then
        // kills the whole pid namespace; a crashed emulator's leftovers are swept at the next start.
        a.AddRange(["--new-session", "--clearenv"]);

        if (image.IsHost)
        {
            AddHostView(a, state);
        }
        else
        {
            AddImage(a, image, state);
        }

        // Files other layers provide (CA bundle, resolv.conf) go over what /etc already holds, still read-only.
        foreach (SandboxMount mount in spec.ReadOnlyMounts)
        {
            a.AddRange(["--ro-bind", mount.HostPath, mount.SandboxPath]);
        }

        a.AddRange(["--proc", "/proc", "--dev", "/dev"]);

        AddTmpfs(a, "/home/user", homeBytes, "0755");
        AddTmpfs(a, "/workspace", spec.Limits.WorkspaceBytes, "0755");
        AddTmpfs(a, "/tmp", spec.Limits.TmpBytes, "01777");
        // POSIX shared memory (Python multiprocessing, Chromium) needs a writable /dev/shm; it shares /tmp's cap.
        AddTmpfs(a, "/dev/shm", spec.Limits.TmpBytes, "01777");
        a.AddRange(["--ro-bind", agentHostPath, AgentPathInSandbox]);
        // Everything above is mounted; now the root and /dev tmpfs become read-only, so the only writable places
        // are the size-capped tmpfs mounts (/dev's device nodes are separate bind mounts and keep working).
        a.AddRange(["--remount-ro", "/dev", "--remount-ro", "/"]);

        AddEnvironment(a, spec.Environment);
        a.AddRange(["--chdir", "/workspace", "--as-pid-1", AgentPathInSandbox]);
        return a;
    }

    private static void AddHostView(List<string> a, StateDirectory state)
    {
        a.AddRange(["--ro-bind", "/usr", "/usr"]);
        a.AddRange(["--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/sbin", "/sbin"]);
        if (Directory.Exists("/usr/lib64"))
        {
            a.AddRange(["--symlink", "usr/lib64", "/lib64"]);
        }

        a.AddRange(["--ro-bind", state.Etc, "/etc"]);
        foreach (var name in StateDirectory.HostEtcDirectories.Where(n => Directory.Exists(Path.Combine("/etc", n))))
        {
            a.AddRange(["--ro-bind", "/etc/" + name, "/etc/" + name]);
        }

        foreach (var name in StateDirectory.HostEtcFiles.Where(n => File.Exists(Path.Combine("/etc", n))))
        {
            a.AddRange(["--ro-bind", "/etc/" + name, "/etc/" + name]);
        }
    }

    /// <summary>
    /// The image's software directories read-only on the empty root (its links recreated as links, resolved only inside
    /// the sandbox), then the generated identity files over the image's own: the mount points exist as regular files
    /// because the image was prepared (<see cref="ImagePreparer"/>) or validated (<see cref="RootfsValidator"/>).
    /// </summary>
    private static void AddImage(List<string> a, SandboxImage image, StateDirectory state)
    {
        foreach (ImageTopLevelEntry entry in image.TopLevel)
        {
            if (entry.SymlinkTarget is { } target)
            {
                a.AddRange(["--symlink", target, "/" + entry.Name]);
            }
            else
            {
                a.AddRange(["--ro-bind", Path.Join(image.Root, entry.Name), "/" + entry.Name]);
            }
        }

        foreach (string name in ImageLayout.GeneratedEtcFiles)
        {
            a.AddRange(["--ro-bind", Path.Join(state.Etc, name), "/etc/" + name]);
        }
    }

    private static void AddTmpfs(List<string> a, string path, long bytes, string mode) =>
        a.AddRange(["--perms", mode, "--size", bytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", path]);

    private static void AddEnvironment(List<string> a, IReadOnlyDictionary<string, string> environment)
    {
        a.AddRange(["--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"]);
        a.AddRange(["--setenv", "HOME", "/home/user", "--setenv", "USER", "user", "--setenv", "LOGNAME", "user"]);
        a.AddRange(["--setenv", "LANG", "C.UTF-8", "--setenv", "TERM", "dumb"]);
        foreach (var (name, value) in environment)
        {
            EnvironmentEntries.Validate(name, value);
            a.AddRange(["--setenv", name, value]);
        }
    }
}
