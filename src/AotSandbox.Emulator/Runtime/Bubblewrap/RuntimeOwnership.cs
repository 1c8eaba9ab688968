using System.Globalization;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// Exclusive claim of a runtime's host resources, held from before its leftover sweep until it is disposed: one lock
/// on <c>&lt;StateRoot&gt;/instance.lock</c> and one on its uid range (<c>/run/aotsandbox-uids-&lt;UidBase&gt;.lock</c>).
/// Without it a second emulator on the same range would sweep (SIGKILL, delete) the first one's live sandboxes.
/// The locks are flock(2) locks (FileShare.None on Unix), so the kernel drops them when the process dies: a crashed
/// emulator never blocks the next one, which then sweeps what it left.
/// </summary>
internal sealed class RuntimeOwnership : IDisposable
{
    private readonly FileStream _instance;
    private readonly FileStream _uids;

    private RuntimeOwnership(FileStream instance, FileStream uids)
    {
        _instance = instance;
        _uids = uids;
    }

    public static string InstanceLockPath(BubblewrapRuntimeOptions options) => Path.Combine(options.StateRoot, "instance.lock");

    public static string UidLockPath(BubblewrapRuntimeOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"/run/aotsandbox-uids-{options.UidBase}.lock");

    /// <summary>Takes both locks or none.</summary>
    /// <exception cref="SandboxRuntimeUnavailableException">Another live runtime holds one of them (one line saying what to do).</exception>
    public static RuntimeOwnership Acquire(BubblewrapRuntimeOptions options)
    {
        // Before the lock file is opened in it and anything (agent, sandbox /etc) is written below it.
        TrustedStatePath.EnsureDirectory(options.StateRoot);

        var instancePath = InstanceLockPath(options);
        var instance = TryLock(instancePath) ?? throw new SandboxRuntimeUnavailableException(
            $"another aotsandbox emulator is running on {options.StateRoot} ({instancePath} is locked): stop it, or run this one as a separate instance with --instance NAME");
        var uidPath = UidLockPath(options);
        var uids = TryLock(uidPath);
        if (uids is null)
        {
            instance.Dispose();
            throw new SandboxRuntimeUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"another aotsandbox emulator owns sandbox uids {options.UidBase + 1}..{options.UidBase + options.UidCount} ({uidPath} is locked): stop it, or pick another --instance NAME"));
        }

        return new RuntimeOwnership(instance, uids);
    }

    public void Dispose()
    {
        _uids.Dispose();
        _instance.Dispose();
    }

    private static FileStream? TryLock(string path)
    {
        try
        {
            // FileShare.None makes .NET take flock(LOCK_EX | LOCK_NB) on Unix; a held lock surfaces as IOException.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
