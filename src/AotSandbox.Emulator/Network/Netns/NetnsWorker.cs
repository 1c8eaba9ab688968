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
/// <para>
/// A worker made with <c>privateFileTable</c> also has a descriptor table of its own (unshare(CLONE_FILES), then the
/// files, sockets and pipes closed in that copy), so whatever it opens gets a small number whatever the
/// process holds. libnftables needs that: it waits for the kernel's answers with select(2), whose fd_set cannot hold
/// a descriptor of 1024 or more (glibc aborts the whole process, or without fortification memory is overwritten),
/// and an emulator with many connections easily holds that many. Nothing such a worker creates may leave it (its
/// numbers mean nothing in the process's table), so it takes namespaces by path and its work returns no handles.
/// </para>
/// </summary>
internal sealed partial class NetnsWorker : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private const int CloneFiles = 0x00000400;
    private const int SigBlock = 0;
    private const int SigIll = 4, SigTrap = 5, SigAbrt = 6, SigBus = 7, SigFpe = 8, SigSegv = 11, SigSys = 31;

    private static readonly Lazy<NetnsWorker> SharedWorker = new(() => new NetnsWorker("aotsandbox-netns-setup"));
    private static readonly Lazy<NetnsWorker> SharedPrivateWorker = new(() => new NetnsWorker("aotsandbox-netns-firewall", privateFileTable: true));

    private readonly BlockingCollection<WorkItem> _items = new(boundedCapacity: 1024);
    private readonly BlockingCollection<Action>? _completions;
    private readonly Thread _thread;
    private readonly bool _privateFileTable;
    private volatile bool _broken;
    private volatile int _osThreadId;

    /// <summary>Starts the worker thread; see the class summary for <paramref name="privateFileTable"/>.</summary>
    public NetnsWorker(string threadName, bool privateFileTable = false)
    {
        _privateFileTable = privateFileTable;
        if (privateFileTable)
        {
            // Started from here, a thread with the process's descriptor table (see Complete).
            _completions = new BlockingCollection<Action>(boundedCapacity: 1024);
            new Thread(CompleteItems) { IsBackground = true, Name = threadName + "-done" }.Start();
        }

        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>The process-wide worker the static namespace set-up code uses (created on first use, never stopped).</summary>
    public static NetnsWorker Shared => SharedWorker.Value;

    /// <summary>The process-wide worker with a descriptor table of its own, for libnftables (created on first use, never stopped).</summary>
    public static NetnsWorker SharedWithPrivateFiles => SharedPrivateWorker.Value;

    /// <summary>The worker thread's kernel thread id once it runs (0 before; for tests).</summary>
    public int OsThreadId => _osThreadId;

    /// <summary>Runs <paramref name="work"/> on the worker inside <paramref name="netns"/> (an open namespace file).</summary>
    public Task<T> RunInAsync<T>(SafeFileHandle netns, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(netns);
        if (_privateFileTable)
        {
            throw new InvalidOperationException("a worker with its own descriptor table cannot use the process's handles: pass the namespace's path");
        }

        return Enqueue(new WorkItem<T>(netns, null, work));
    }

    /// <summary>Runs <paramref name="work"/> on the worker inside the namespace file at <paramref name="netnsPath"/>, opened by the worker.</summary>
    public Task<T> RunInAsync<T>(string netnsPath, Func<T> work)
    {
        ArgumentException.ThrowIfNullOrEmpty(netnsPath);
        return Enqueue(new WorkItem<T>(null, netnsPath, work));
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the worker inside the namespace file at <paramref name="netnsPath"/>, for work that
    /// leaves something slow to release and not part of its outcome: the task completes as soon as <paramref name="work"/>
    /// returns, then the worker disposes what it returned (on the worker thread: it may hold descriptors of a private
    /// table) before it takes the next item. A failure of that disposal is nobody's to handle any more and is dropped. The caller must not
    /// depend on the disposal having happened: e.g. libnftables' context, whose close waits for the kernel's clean-up of
    /// a transaction that is already committed (<see cref="LibNftables"/>).
    /// </summary>
    public Task RunInThenDisposeAsync(string netnsPath, Func<IDisposable?> work)
    {
        ArgumentException.ThrowIfNullOrEmpty(netnsPath);
        var item = new DisposingWorkItem(netnsPath, work);
        Post(item);
        return item.Completion.Task;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the worker inside a brand-new network namespace (unshare(CLONE_NEWNET)); the
    /// namespace lives on only if <paramref name="work"/> pins it (e.g. by bind-mounting /proc/thread-self/ns/net).
    /// </summary>
    public Task<T> RunInNewAsync<T>(Func<T> work) => Enqueue(new WorkItem<T>(null, null, work));

    /// <summary>Stops the worker.</summary>
    public void Dispose()
    {
        _items.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
        _items.Dispose();
        _completions?.CompleteAdding();
    }

    private Task<T> Enqueue<T>(WorkItem<T> item)
    {
        Post(item);
        return item.Completion.Task;
    }

    private void Post(WorkItem item)
    {
        if (_broken || !_items.TryAdd(item, TimeSpan.FromSeconds(5)))
        {
            throw new InvalidOperationException("the network namespace worker is unavailable (stopped, broken or overloaded)");
        }
    }

    private void Run()
    {
        _osThreadId = CurrentOsThreadId();
        if (_privateFileTable && (!BlockProcessSignals() || !TryTakePrivateFileTable()))
        {
            _broken = true;
            foreach (WorkItem item in _items.GetConsumingEnumerable())
            {
                item.Fail(this, new InvalidOperationException("the network namespace worker could not get a descriptor table of its own"));
            }

            return;
        }

        using SafeFileHandle home = File.OpenHandle("/proc/thread-self/ns/net", FileMode.Open, FileAccess.Read);
        foreach (WorkItem item in _items.GetConsumingEnumerable())
        {
            if (_broken)
            {
                item.Fail(this, new InvalidOperationException("the network namespace worker is broken: it could not return to the host namespace"));
                continue;
            }

            bool left = false;
            SafeFileHandle? opened = null;
            try
            {
                SafeFileHandle? target = item.Netns;
                if (item.NetnsPath is not null)
                {
                    target = opened = File.OpenHandle(item.NetnsPath, FileMode.Open, FileAccess.Read);
                }

                int result = target is null ? Unshare(CloneNewNet) : SetNs(target, CloneNewNet);
                if (result != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw new IOException($"{(target is null ? "unshare(CLONE_NEWNET)" : "setns into the network namespace")} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                }

                left = true;
                item.Execute(this);
            }
            catch (Exception ex)
            {
                // Anything (a namespace handle disposed by a concurrent detach, fd exhaustion, a refused rule) fails
                // only this item; the thread must survive and, above all, get back to its own namespace.
                item.Fail(this, ex);
            }
            finally
            {
                opened?.Dispose();
                if (left && SetNs(home, CloneNewNet) != 0)
                {
                    _broken = true;
                }
            }

            item.AfterCompletion();
        }
    }

    /// <summary>
    /// Releases a caller. On a worker with a private descriptor table this must not happen on the worker thread itself:
    /// completing a task queues its continuation to the thread pool, which may start a new pool thread right there, and
    /// a thread started from this one shares its descriptor table (clone with CLONE_FILES), i.e. a pool thread without
    /// any of the process's sockets and files. The completer thread, started from the constructor's caller, does it.
    /// </summary>
    private void Complete(Action release)
    {
        if (_completions is null)
        {
            release();
        }
        else
        {
            _completions.Add(release);
        }
    }

    private void CompleteItems()
    {
        foreach (Action release in _completions!.GetConsumingEnumerable())
        {
            release();
        }
    }

    /// <summary>The calling thread's kernel id, from /proc/thread-self ("PID/task/TID"); 0 if that cannot be read.</summary>
    private static int CurrentOsThreadId()
    {
        try
        {
            string? target = new FileInfo("/proc/thread-self").LinkTarget;
            return target is not null && int.TryParse(Path.GetFileName(target), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int tid) ? tid : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Keeps process-directed signals off this thread, before it drops the process's pipes from its table. The kernel
    /// hands a signal sent to the process (SIGCHLD whenever a launcher or command exits, SIGTERM, SIGINT...) to any
    /// thread that does not block it, and the runtime's handler forwards it by writing to a pipe of its own: on this
    /// thread that pipe is closed, the write fails and the handler aborts the whole emulator (seen in the bench: SIGABRT
    /// while 50 sandboxes were created and destroyed). Blocked here, those signals go to the other threads. The fault
    /// signals (raised by this thread's own code) and the real-time range (the runtime's thread activation) stay open.
    /// </summary>
    private static bool BlockProcessSignals()
    {
        ulong mask = 0;
        for (int signal = 1; signal <= 31; signal++)
        {
            if (signal is not (SigIll or SigTrap or SigAbrt or SigBus or SigFpe or SigSegv or SigSys))
            {
                mask |= 1UL << (signal - 1);
            }
        }

        // glibc's sigset_t is 1024 bits; signal n is bit n - 1.
        Span<ulong> set = stackalloc ulong[16];
        set.Clear();
        set[0] = mask;
        return PthreadSigmask(SigBlock, ref MemoryMarshal.GetReference(set), IntPtr.Zero) == 0;
    }

    /// <summary>
    /// Gives this thread a copy of the descriptor table and closes, in the copy only, every file, socket and pipe above
    /// stderr (the process's table is untouched): from here on, what the thread opens gets a small number, and the copy
    /// holds none of the process's connections open after the process closes them. Memory files and anonymous inodes
    /// stay: the runtime maps code through one (W^X double mapping) on every thread.
    /// </summary>
    private static bool TryTakePrivateFileTable()
    {
        if (Unshare(CloneFiles) != 0)
        {
            return false;
        }

        foreach (string entry in Directory.GetFiles("/proc/thread-self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int fd)
                || fd < 3)
            {
                continue;
            }

            string? target;
            try
            {
                target = new FileInfo(entry).LinkTarget;
            }
            catch (IOException)
            {
                continue; // the directory's own descriptor, closed since the listing
            }

            if (target is not null && !target.StartsWith("/memfd:", StringComparison.Ordinal) && !target.StartsWith("anon_inode:", StringComparison.Ordinal))
            {
                _ = Close(fd);
            }
        }

        return true;
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

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "pthread_sigmask")]
    private static partial int PthreadSigmask(int how, ref ulong set, IntPtr oldSet);

    private abstract class WorkItem(SafeFileHandle? netns, string? netnsPath)
    {
        /// <summary>The namespace to enter; null with a null <see cref="NetnsPath"/> = a new one.</summary>
        public SafeFileHandle? Netns { get; } = netns;

        /// <summary>The namespace to enter, opened by the worker (the only way into a worker with its own descriptor table).</summary>
        public string? NetnsPath { get; } = netnsPath;

        public abstract void Execute(NetnsWorker worker);

        public abstract void Fail(NetnsWorker worker, Exception exception);

        /// <summary>Runs on the worker once the caller was released and the thread is back in its own namespace.</summary>
        public virtual void AfterCompletion()
        {
        }
    }

    private sealed class WorkItem<T>(SafeFileHandle? netns, string? netnsPath, Func<T> work) : WorkItem(netns, netnsPath)
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(NetnsWorker worker)
        {
            T result = work();
            worker.Complete(() => Completion.TrySetResult(result));
        }

        public override void Fail(NetnsWorker worker, Exception exception) => worker.Complete(() => Completion.TrySetException(exception));
    }

    private sealed class DisposingWorkItem(string netnsPath, Func<IDisposable?> work) : WorkItem(null, netnsPath)
    {
        private IDisposable? _leftover;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(NetnsWorker worker)
        {
            _leftover = work();
            worker.Complete(() => Completion.TrySetResult());
        }

        public override void Fail(NetnsWorker worker, Exception exception) => worker.Complete(() => Completion.TrySetException(exception));

        public override void AfterCompletion()
        {
            try
            {
                _leftover?.Dispose();
            }
#pragma warning disable CA1031 // The caller has its result already; a failed release must not kill the worker thread.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            _leftover = null;
        }
    }
}
