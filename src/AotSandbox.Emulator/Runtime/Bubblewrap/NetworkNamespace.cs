using System.Runtime.InteropServices;
using AotSandbox.Emulator.Network;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// A network namespace created by host root (owned by the host's user namespace, so sandbox code cannot change its
/// routes or firewall), pinned by a bind mount at <c>/run/netns/NAME</c> exactly where <c>ip netns</c> keeps its own,
/// so the usual tools still list and enter it. Created in this process: a <see cref="NetnsWorker"/> thread
/// unshares a new namespace and bind-mounts its own <c>/proc/thread-self/ns/net</c> there, then returns to the host
/// namespace; no <c>ip</c> process is started. It starts with only <c>lo</c> (down).
/// </summary>
internal static partial class NetworkNamespace
{
    private const string RunDirectory = "/run/netns";
    private const uint MsBind = 0x1000;
    private const uint MsRec = 0x4000;
    private const uint MsShared = 0x100000;
    private const int MntDetach = 0x2;
    private const int UmountNoFollow = 0x8;
    private const int Einval = 22;
    private const int Enoent = 2;

    private static readonly Lock RunDirectoryGate = new();
    private static bool s_runDirectoryShared;

    public static string PathOf(string name) => RunDirectory + "/" + name;

    /// <summary>
    /// Creates and pins the namespace <paramref name="name"/>. <paramref name="ipPath"/> is no longer used (kept so
    /// callers need no change). Fails if the name is taken.
    /// </summary>
    public static async Task CreateAsync(string ipPath, string name, CancellationToken cancellationToken)
    {
        _ = ipPath;
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("network namespaces need Linux");
        }

        ValidateName(name);
        cancellationToken.ThrowIfCancellationRequested();
        PrepareRunDirectory();
        string path = PathOf(name);
        // The mount point: created exclusively (a planted file or link fails instead of being mounted over) in a
        // directory only root can write (checked by PrepareRunDirectory).
        try
        {
            new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead }).Dispose();
        }
        catch (IOException e)
        {
            throw new SandboxRuntimeException($"cannot create the network namespace mount point {path}: {e.Message}", e);
        }

        try
        {
            // mount(2) resolves /proc/thread-self on the calling thread: the worker, now inside the new namespace.
            await NetnsWorker.Shared.RunInNewAsync(() => Check(Mount("/proc/thread-self/ns/net", path, null, MsBind, IntPtr.Zero), "bind-mounting the new network namespace at " + path))
                .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            File.Delete(path);
            throw e as SandboxRuntimeException ?? new SandboxRuntimeException($"cannot create network namespace {name}: {e.Message}", e);
        }
    }

    /// <summary>Deletes the namespace if it exists (idempotent): detaches the pin, removes the mount point.</summary>
    public static Task DeleteAsync(string ipPath, string name)
    {
        _ = ipPath;
        ValidateName(name);
        string path = PathOf(name);
        if (!File.Exists(path))
        {
            return Task.CompletedTask;
        }

        // MNT_DETACH: a process still inside keeps the namespace alive without blocking us; NOFOLLOW: never unmount
        // whatever a link would point at. EINVAL = not (or no longer) a mount point, e.g. a half-created leftover.
        if (Umount(path, MntDetach | UmountNoFollow) != 0 && Marshal.GetLastPInvokeError() is not (Einval or Enoent))
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new SandboxRuntimeException($"cannot unmount network namespace {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        File.Delete(path); // unlink(2): removes a link itself, never its target
        return Task.CompletedTask;
    }

    public static IEnumerable<string> List(string prefix) =>
        Directory.Exists(RunDirectory)
            ? Directory.GetFiles(RunDirectory).Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            : [];

    /// <summary>
    /// Makes sure /run/netns is root's own directory (no component a user could have planted) and, once per process,
    /// a shared mount point as iproute2 makes it, so namespaces pinned here also appear in mount namespaces created
    /// later (e.g. by <c>ip netns exec</c>) and `ip netns` tools keep working beside us.
    /// </summary>
    private static void PrepareRunDirectory()
    {
        lock (RunDirectoryGate)
        {
            if (s_runDirectoryShared)
            {
                return;
            }

            try
            {
                TrustedStatePath.EnsureDirectory(RunDirectory);
            }
            catch (SandboxRuntimeUnavailableException e)
            {
                // The state-directory advice (--state-dir) does not apply: this path is fixed by iproute2's convention.
                throw new SandboxRuntimeUnavailableException(
                    $"cannot use {RunDirectory} for network namespaces: {e.Message.Split("; ")[0]}; make it a directory owned by root and writable only by root (e.g. `rm -r {RunDirectory}` when no namespaces are in use; it is recreated)");
            }

            if (Mount("", RunDirectory, "none", MsShared | MsRec, IntPtr.Zero) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Einval)
                {
                    throw new SandboxRuntimeException($"cannot make {RunDirectory} a shared mount: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                }

                // Not a mount point yet: bind it onto itself first (what `ip netns add` does), then share it.
                Check(Mount(RunDirectory, RunDirectory, "none", MsBind | MsRec, IntPtr.Zero), "bind-mounting " + RunDirectory + " onto itself");
                Check(Mount("", RunDirectory, "none", MsShared | MsRec, IntPtr.Zero), "making " + RunDirectory + " a shared mount");
            }

            s_runDirectoryShared = true;
        }
    }

    private static void ValidateName(string name)
    {
        if (name.Length is 0 or > 200 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid network namespace name", nameof(name));
        }
    }

    private static bool Check(int result, string what)
    {
        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new SandboxRuntimeException($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        return true;
    }

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string source, string target, string? fileSystemType, uint flags, IntPtr data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount(string target, int flags);
}
