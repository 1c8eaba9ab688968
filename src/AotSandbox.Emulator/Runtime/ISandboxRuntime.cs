namespace AotSandbox.Emulator.Runtime;

/// <summary>
/// Starts isolated sandboxes on this machine. The implementation (<c>BubblewrapRuntime</c>) owns everything
/// host-level: prerequisites, namespaces, cgroups, uids, the in-sandbox agent, and sweeping leftovers of a crashed run.
/// </summary>
internal interface ISandboxRuntime : IAsyncDisposable
{
    /// <summary>Checks root, bubblewrap, nftables, user namespaces and cgroups; throws <see cref="SandboxRuntimeUnavailableException"/> with one clear line when something is missing.</summary>
    void CheckPrerequisites();

    /// <summary>Removes processes, mounts, cgroups, network namespaces, state directories left by an earlier run that crashed.</summary>
    Task SweepLeftoversAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Creates and starts one sandbox; returns once its agent answered (ready for exec and file operations). A runtime
    /// whose sandboxes have network namespaces runs <see cref="SandboxSpec.PrepareNetwork"/> before any of the sandbox's
    /// processes starts.
    /// </summary>
    Task<ISandboxInstance> StartAsync(SandboxSpec spec, CancellationToken cancellationToken);
}

/// <summary>One running sandbox: a long-lived set of namespaces with an agent as PID 1.</summary>
internal interface ISandboxInstance : IAsyncDisposable
{
    /// <summary>The sandbox id (also used to name host resources).</summary>
    string Id { get; }

    /// <summary>Path of the network namespace (e.g. <c>/run/netns/aotsb-…</c>), for the networking layer.</summary>
    string NetworkNamespacePath { get; }

    /// <summary>Completes when the sandbox ended on its own (agent died, OOM of the agent, killed from outside). Never faults.</summary>
    Task Terminated { get; }

    /// <summary>When the runtime itself stopped the sandbox (e.g. its agent broke the protocol): why, in one line. Null otherwise.</summary>
    string? TerminationReason => null;

    /// <summary>
    /// Hands a started sandbox to its tenant before any command runs in it: writes the tenant's size limits (they may
    /// differ from the ones it started with) and adds <paramref name="environment"/> to what every later command sees
    /// (over the start-time environment). Called at most once, before the first spawn; a pre-warmed sandbox is created
    /// with no tenant data and gets all of it here.
    /// </summary>
    ValueTask ClaimAsync(SandboxLimits limits, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken);

    /// <summary>
    /// Starts <paramref name="command"/> with <c>/bin/sh -c</c> in <c>/workspace</c> as the sandbox user, in its own session.
    /// Output and exit are delivered to <paramref name="sink"/> in order. Returns the process id as seen inside the sandbox.
    /// </summary>
    ValueTask<SandboxProcess> SpawnAsync(string command, IProcessSink sink, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="SpawnAsync"/>, on a new pseudo-terminal of <paramref name="size"/> that becomes the command's
    /// controlling terminal and its stdin, stdout and stderr: all output arrives as stream 1, raw terminal bytes.
    /// </summary>
    ValueTask<SandboxProcess> SpawnPtyAsync(string command, TerminalSize size, IProcessSink sink, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this sandbox runtime has no pseudo-terminals");

    /// <summary>
    /// Reads up to <paramref name="count"/> bytes at <paramref name="offset"/> of a file as the sandbox sees it (relative paths
    /// against /workspace, symlinks resolved inside the sandbox root). Regular files only (FIFOs, devices, sockets are refused).
    /// Throws <see cref="SandboxFileException"/> on failure.
    /// </summary>
    ValueTask<FileReadResult> ReadFileAsync(string path, long offset, int count, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="ReadFileAsync"/>, into <paramref name="destination"/> (at most its length): returns how many bytes
    /// were read and the file's whole size. A runtime that can land the bytes in place overrides it (the binary
    /// <c>file.content</c> is built around them without a copy).
    /// </summary>
    async ValueTask<(int Count, long FileSize)> ReadFileIntoAsync(string path, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        FileReadResult read = await ReadFileAsync(path, offset, destination.Length, cancellationToken).ConfigureAwait(false);
        int count = Math.Min(read.Data.Length, destination.Length);
        read.Data.AsSpan(0, count).CopyTo(destination.Span);
        return (count, read.FileSize);
    }

    /// <summary>
    /// Writes <paramref name="content"/> at <paramref name="offset"/>; with <paramref name="truncate"/> the file is created or
    /// truncated first. Parent directories are created. Returns the file's size afterwards. Throws <see cref="SandboxFileException"/>.
    /// </summary>
    ValueTask<long> WriteFileAsync(string path, ReadOnlyMemory<byte> content, long offset, bool truncate, CancellationToken cancellationToken);

    /// <summary>Lists a directory as the sandbox sees it.</summary>
    ValueTask<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(string path, CancellationToken cancellationToken);
}

/// <summary>A process started in a sandbox. Signals go to its whole tree (every descendant, also daemonized ones).</summary>
internal abstract class SandboxProcess
{
    /// <summary>Process id inside the sandbox's pid namespace.</summary>
    public abstract int Pid { get; }

    /// <summary>Writes to the process's stdin; completes once the agent accepted the bytes (bounded buffering, backpressure).</summary>
    public abstract ValueTask WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Closes the process's stdin (EOF).</summary>
    public abstract ValueTask CloseStdinAsync(CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="signal"/> (a Linux signal number) to every process of the tree.</summary>
    public abstract ValueTask SignalTreeAsync(int signal, CancellationToken cancellationToken);

    /// <summary>Changes the size of the process's terminal (pty processes only; the kernel sends it SIGWINCH).</summary>
    public virtual ValueTask ResizeAsync(TerminalSize size, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this process has no terminal");
}

/// <summary>A terminal size in character cells; both dimensions 1..<see cref="MaxDimension"/>.</summary>
internal readonly record struct TerminalSize(int Rows, int Columns)
{
    public const int MaxDimension = 1000;

    public bool IsValid => Rows is >= 1 and <= MaxDimension && Columns is >= 1 and <= MaxDimension;
}

/// <summary>Receives what a sandbox process produces. Calls for one process never overlap and arrive in order.</summary>
internal interface IProcessSink
{
    /// <summary>A chunk of stdout (stream 1) or stderr (stream 2). <paramref name="data"/> is valid only during the call; awaiting applies backpressure.</summary>
    ValueTask OnOutputAsync(int stream, ReadOnlyMemory<byte> data);

    /// <summary>The main process exited: <c>exitCode</c> is its status, or 128+signal when a signal ended it. Called exactly once, after the last output that was produced before exit (a lingering background child that keeps the pipes open does not delay it).</summary>
    ValueTask OnExitAsync(int exitCode);
}

/// <summary>Bytes read from a file, and the file's whole size (so callers can page through large files).</summary>
internal readonly record struct FileReadResult(byte[] Data, long FileSize);

/// <summary>A file operation failed inside the sandbox; <see cref="Code"/> is the errno name (ENOENT, EISDIR, EACCES, EINVAL, EFBIG, ...).</summary>
internal sealed class SandboxFileException(string code, string message) : Exception(message)
{
    /// <summary>The errno name.</summary>
    public string Code { get; } = code;
}

/// <summary>One directory entry.</summary>
internal readonly record struct SandboxFileEntry(string Name, bool IsDirectory, long Size);

/// <summary>What to create.</summary>
internal sealed record SandboxSpec(string Id, SandboxLimits Limits, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>Host files bound read-only into the sandbox (e.g. the networking layer's CA bundle and resolv.conf), mounted after /etc.</summary>
    public IReadOnlyList<SandboxMount> ReadOnlyMounts { get; init; } = [];

    /// <summary>
    /// Sets up the sandbox's network namespace (the networking layer's firewall and route), given its path. The runtime
    /// calls it once the namespace exists and before any process of the sandbox starts, and awaits it: nothing of the
    /// sandbox, not even its agent, ever runs without it. The start fails when it throws. Null: nothing to set up.
    /// </summary>
    public Func<string, CancellationToken, Task>? PrepareNetwork { get; init; }
}

/// <summary>A host file or directory bound read-only at <paramref name="SandboxPath"/> inside a sandbox.</summary>
internal readonly record struct SandboxMount(string HostPath, string SandboxPath);

/// <summary>Resource limits of one sandbox (cgroup v1 and tmpfs sizes).</summary>
internal sealed record SandboxLimits(long MemoryBytes, int MaxPids, int CpuMillis, long WorkspaceBytes, long TmpBytes);

/// <summary>A failure of the sandbox layer that the caller should show as is (one line saying what to do).</summary>
internal sealed class SandboxRuntimeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The machine cannot run sandboxes (a prerequisite is missing). The message says what to install or change.</summary>
internal sealed class SandboxRuntimeUnavailableException(string message) : Exception(message);
