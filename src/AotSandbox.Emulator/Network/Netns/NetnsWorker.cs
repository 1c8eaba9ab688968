using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// One dedicated OS thread that runs short pieces of work inside another network namespace. setns(2) and
/// unshare(CLONE_NEWNET) change only the calling thread, and whatever that thread creates meanwhile (sockets,
/// netlink sockets, /proc/sys/net files, a bind mount of its own namespace) belongs to the namespace it is in. A
/// thread-pool thread must never switch: unrelated code would run in the sandbox's namespace. So no other code ever
/// runs on this thread, every item returns it to the namespace it started in, and if that return ever fails the
/// thread marks itself broken and refuses all further work instead of running it in the wrong place.
/// </summary>
internal sealed partial class NetnsWorker : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private static readonly Lazy<NetnsWorker> SharedWorker = new(() => new NetnsWorker("aotsandbox-netns-setup"));

    private readonly BlockingCollection<WorkItem> _items = new(boundedCapacity: 1024);
    private readonly Thread _thread;
    private volatile bool _broken;

    /// <summary>Starts the worker thread.</summary>
    public NetnsWorker(string threadName)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>The process-wide worker the static namespace set-up code uses (created on first use, never stopped).</summary>
    public static NetnsWorker Shared => SharedWorker.Value;

    /// <summary>Runs <paramref name="work"/> on the worker inside <paramref name="netns"/> (an open namespace file).</summary>
    public Task<T> RunInAsync<T>(SafeFileHandle netns, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(netns);
        return Enqueue(new WorkItem<T>(netns, work));
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the worker inside a brand-new network namespace (unshare(CLONE_NEWNET)); the
    /// namespace lives on only if <paramref name="work"/> pins it (e.g. by bind-mounting /proc/thread-self/ns/net).
    /// </summary>
    public Task<T> RunInNewAsync<T>(Func<T> work) => Enqueue(new WorkItem<T>(null, work));

    /// <summary>Stops the worker.</summary>
    public void Dispose()
    {
        _items.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
        _items.Dispose();
    }

    private Task<T> Enqueue<T>(WorkItem<T> item)
    {
        if (_broken || !_items.TryAdd(item, TimeSpan.FromSeconds(5)))
        {
            throw new InvalidOperationException("the network namespace worker is unavailable (stopped, broken or overloaded)");
        }

        return item.Completion.Task;
    }

    private void Run()
    {
        using SafeFileHandle home = File.OpenHandle("/proc/thread-self/ns/net", FileMode.Open, FileAccess.Read);
        foreach (WorkItem item in _items.GetConsumingEnumerable())
        {
            if (_broken)
            {
                item.Fail(new InvalidOperationException("the network namespace worker is broken: it could not return to the host namespace"));
                continue;
            }

            bool left = false;
            try
            {
                int result = item.Netns is null ? Unshare(CloneNewNet) : SetNs(item.Netns, CloneNewNet);
                if (result != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw new IOException($"{(item.Netns is null ? "unshare(CLONE_NEWNET)" : "setns into the network namespace")} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                }

                left = true;
                item.Execute();
            }
            catch (Exception ex)
            {
                // Anything (a namespace handle disposed by a concurrent detach, fd exhaustion, a refused rule) fails
                // only this item; the thread must survive and, above all, get back to its own namespace.
                item.Fail(ex);
            }
            finally
            {
                if (left && SetNs(home, CloneNewNet) != 0)
                {
                    _broken = true;
                }
            }
        }
    }

    private static int SetNs(SafeFileHandle fd, int nstype)
    {
        bool added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            return setns((int)fd.DangerousGetHandle(), nstype);
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    private static partial int Unshare(int flags);

    private abstract class WorkItem(SafeFileHandle? netns)
    {
        /// <summary>The namespace to enter; null = a new one.</summary>
        public SafeFileHandle? Netns { get; } = netns;

        public abstract void Execute();

        public abstract void Fail(Exception exception);
    }

    private sealed class WorkItem<T>(SafeFileHandle? netns, Func<T> work) : WorkItem(netns)
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute() => Completion.TrySetResult(work());

        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }
}
