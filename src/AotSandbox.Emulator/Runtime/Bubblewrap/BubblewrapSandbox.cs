using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// One running sandbox and every host resource it holds: pool uid, cgroups, network namespace, state directory,
/// the launcher process and the agent channel. Teardown releases all of them and is idempotent.
/// </summary>
internal sealed class BubblewrapSandbox : ISandboxInstance
{
    private const int StderrKeepBytes = 4096;

    /// <summary>
    /// The launcher, bwrap and the agent write only short fatal diagnostics to stderr. More than this (an endless line,
    /// a flood) means something in the sandbox got hold of the pipe: the sandbox is failed instead of read forever.
    /// </summary>
    private const int StderrLimitBytes = 64 * 1024;

    private readonly BubblewrapRuntimeOptions _options;
    private readonly SandboxSpec _spec;
    private readonly UidPool _uids;
    private readonly Action<BubblewrapSandbox> _onDisposed;
    private readonly CgroupSet _cgroups;
    private readonly StateDirectory _state;
    private readonly string _netnsName;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _stderr = new();
    private readonly SemaphoreSlim _teardown = new(1, 1);
    private Process? _launcher;
    private AgentChannel? _channel;
    private SandboxFiles? _files;
    private bool _disposed;
    private string? _failure;

    public BubblewrapSandbox(BubblewrapRuntimeOptions options, SandboxSpec spec, UidPool uids, int uid, Action<BubblewrapSandbox> onDisposed)
    {
        _options = options;
        _spec = spec;
        _uids = uids;
        _onDisposed = onDisposed;
        Uid = uid;
        _cgroups = new CgroupSet(options.CgroupRoot, options.CgroupParent, spec.Id);
        _state = new StateDirectory(options.StateRoot, spec.Id);
        _netnsName = options.NetnsPrefix + spec.Id;
        NetworkNamespacePath = NetworkNamespace.PathOf(_netnsName);
    }

    public string Id => _spec.Id;

    /// <summary>The host uid (and gid) the sandbox runs as.</summary>
    public int Uid { get; }

    public string NetworkNamespacePath { get; }

    public Task Terminated => _terminated.Task;

    public string? TerminationReason => Volatile.Read(ref _failure) ?? _channel?.FailureReason;

    /// <summary>
    /// Creates the host resources, starts bwrap through the launcher and waits for the agent's first pong. The network
    /// namespace is created and prepared (<see cref="SandboxSpec.PrepareNetwork"/>) on the networking layer's worker
    /// threads while this thread creates the state directory and the cgroups: independent kernel work, overlapped. The
    /// launcher starts only after both are done, so the sandbox's first instruction already runs confined by all of them.
    /// </summary>
    public async Task StartAsync(string agentHostPath, Image.SandboxImage image, CancellationToken cancellationToken)
    {
        Task network = CreateNetworkAsync(cancellationToken);
        try
        {
            _state.Create();
            _state.PrepareMountPoints(_spec.ReadOnlyMounts);
            _cgroups.Create(_spec.Limits);
        }
        catch
        {
            // The caller's teardown deletes the namespace: let its creation finish first, so nothing is left half made.
            await network.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        await network.ConfigureAwait(false);

        var startInfo = new ProcessStartInfo(agentHostPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var uid = Uid.ToString(CultureInfo.InvariantCulture);
        startInfo.ArgumentList.Add("launch");
        startInfo.ArgumentList.Add(NetworkNamespacePath);
        startInfo.ArgumentList.Add(uid);
        startInfo.ArgumentList.Add(uid);
        foreach (var procs in _cgroups.ProcsFiles)
        {
            startInfo.ArgumentList.Add(procs);
        }

        startInfo.ArgumentList.Add("--");
        foreach (var argument in BwrapArguments.Build(_options.BwrapPath, agentHostPath, _state, _spec, _options.HomeBytes, image))
        {
            startInfo.ArgumentList.Add(argument);
        }

        _launcher = Process.Start(startInfo) ?? throw new SandboxRuntimeException("could not start the sandbox launcher");
        _ = CollectStderrAsync(_launcher.StandardError.BaseStream);
        _channel = new AgentChannel(_launcher.StandardInput.BaseStream, _launcher.StandardOutput.BaseStream, Log);
        _files = new SandboxFiles(_channel);
        _ = WatchAsync(_channel);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        try
        {
            await _channel.RequestAsync(new PingRequest(), AgentWire.Ping, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, timeout.Token).ConfigureAwait(false);
        }
        catch (SandboxRuntimeException e)
        {
            throw new SandboxRuntimeException($"sandbox {Id} failed to start: {StderrText()}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SandboxRuntimeException($"sandbox {Id} did not answer within {_options.StartTimeout.TotalSeconds:0} s: {StderrText()}", e);
        }
    }

    /// <summary>Creates the network namespace, then lets the networking layer set it up.</summary>
    private async Task CreateNetworkAsync(CancellationToken cancellationToken)
    {
        await NetworkNamespace.CreateAsync(_options.IpPath, _netnsName, cancellationToken).ConfigureAwait(false);
        if (_spec.PrepareNetwork is { } prepare)
        {
            await prepare(NetworkNamespacePath, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask ClaimAsync(SandboxLimits limits, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(environment);
        if (limits.WorkspaceBytes != _spec.Limits.WorkspaceBytes || limits.TmpBytes != _spec.Limits.TmpBytes)
        {
            // tmpfs sizes are mount options bwrap set at start; only cgroup limits can change afterwards.
            throw new InvalidOperationException("a sandbox can only be claimed with the tmpfs sizes it started with");
        }

        var payload = EnvironmentEntries.Encode(environment);
        _cgroups.Apply(limits);
        if (payload.Length > 0)
        {
            await Channel.RequestAsync(new PingRequest(), AgentWire.SetEnv, ReadOnlyMemory<byte>.Empty, payload, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask<SandboxProcess> SpawnAsync(string command, IProcessSink sink, CancellationToken cancellationToken) =>
        SpawnCoreAsync(command, null, sink, cancellationToken);

    public ValueTask<SandboxProcess> SpawnPtyAsync(string command, TerminalSize size, IProcessSink sink, CancellationToken cancellationToken)
    {
        if (!size.IsValid)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"a terminal is 1..{TerminalSize.MaxDimension} rows and columns");
        }

        return SpawnCoreAsync(command, size, sink, cancellationToken);
    }

    private async ValueTask<SandboxProcess> SpawnCoreAsync(string command, TerminalSize? terminal, IProcessSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(sink);
        var channel = Channel;
        var id = channel.NextId();
        var process = new BubblewrapProcess(channel, id, sink, terminal);
        channel.Register(id, process);
        await process.SpawnAsync(command, cancellationToken).ConfigureAwait(false);
        try
        {
            await process.Spawned.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The command may already run: do not leave an exec nobody owns.
            await process.SignalTreeAsync(NativeMethods.SIGKILL, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return process;
    }

    public ValueTask<FileReadResult> ReadFileAsync(string path, long offset, int count, CancellationToken cancellationToken) =>
        Files.ReadAsync(path, offset, count, cancellationToken);

    public ValueTask<(int Count, long FileSize)> ReadFileIntoAsync(string path, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        Files.ReadIntoAsync(path, offset, destination, cancellationToken);

    public ValueTask<long> WriteFileAsync(string path, ReadOnlyMemory<byte> content, long offset, bool truncate, CancellationToken cancellationToken) =>
        Files.WriteAsync(path, content, offset, truncate, cancellationToken);

    public ValueTask<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(string path, CancellationToken cancellationToken) =>
        Files.ListAsync(path, cancellationToken);

    /// <summary>
    /// Kills the sandbox's init from the host (the kernel then kills its whole pid namespace), kills anything left
    /// in its cgroups, and removes cgroups, network namespace and state directory. The uid returns to the pool
    /// only when no process of it can remain.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _teardown.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_launcher is not null)
            {
                KillInit(_launcher, $"/{_options.CgroupParent}/{_spec.Id}");
                if (_channel is not null)
                {
                    await Task.WhenAny(_channel.Completion, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
                }

                using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _launcher.WaitForExitAsync(exited.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // bwrap did not follow its child: the cgroup kill below ends it.
                }
            }
            var empty = await _cgroups.KillAllAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            for (var attempt = 0; attempt < 50 && !_cgroups.TryRemove(); attempt++)
            {
                await Task.Delay(10).ConfigureAwait(false);
            }

            await NetworkNamespace.DeleteAsync(_options.IpPath, _netnsName).ConfigureAwait(false);
            _state.Delete();
            _launcher?.Dispose();
            if (empty)
            {
                _uids.Return(Uid); // otherwise the uid stays retired: a survivor could meet the next sandbox
            }

            _terminated.TrySetResult();
            _onDisposed(this);
        }
        finally
        {
            _teardown.Release();
        }
    }

    private AgentChannel Channel => _channel ?? throw new InvalidOperationException("the sandbox is not started");

    private SandboxFiles Files => _files ?? throw new InvalidOperationException("the sandbox is not started");

    /// <summary>
    /// SIGKILL for the sandbox's PID 1 (bwrap's child). bwrap itself is left alive so it reaps its child and exits:
    /// killing it too orphaned the dead init as a zombie of a pool uid.
    /// The launcher's pid is only trusted while it has not exited, and a child is killed only if it is a member of this
    /// sandbox's own cgroup: pid_max is 32768 here, so under fork-heavy load an exited launcher's pid is reused within
    /// seconds, and its "children" were once another sandbox's init (a battery test caught a bystander killed this way).
    /// Whatever this skips, the cgroup sweep that follows kills.
    /// </summary>
    private static void KillInit(Process launcher, string cgroupSuffix)
    {
        try
        {
            if (launcher.HasExited)
            {
                return;
            }

            var pid = launcher.Id;
            var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children");
            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (IsInCgroup(child, cgroupSuffix))
                {
                    _ = NativeMethods.Kill(int.Parse(child, CultureInfo.InvariantCulture), NativeMethods.SIGKILL);
                }
            }
        }
        catch (IOException)
        {
            // bwrap already exited.
        }
        catch (InvalidOperationException)
        {
            // The launcher never started.
        }
    }

    /// <summary>True when <paramref name="pid"/> belongs to the cgroup ending in <paramref name="cgroupSuffix"/> (v1 lines: <c>id:controllers:/path</c>).</summary>
    private static bool IsInCgroup(string pid, string cgroupSuffix)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/cgroup"))
            {
                if (line.EndsWith(cgroupSuffix, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return false;
    }

    /// <summary>When the agent ends on its own (crash, OOM, killed from outside), the sandbox is torn down.</summary>
    private async Task WatchAsync(AgentChannel channel)
    {
        await channel.Completion.ConfigureAwait(false);
        _terminated.TrySetResult();
        if (!_disposed)
        {
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Keeps the first <see cref="StderrKeepBytes"/> of the agent's stderr for error messages. Reads raw bytes into one
    /// fixed buffer (no line assembly, so an endless line costs nothing) and fails the sandbox past
    /// <see cref="StderrLimitBytes"/>.
    /// </summary>
    private async Task CollectStderrAsync(Stream stderr)
    {
        var buffer = new byte[4096];
        long total = 0;
        try
        {
            int read;
            while ((read = await stderr.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                total += read;
                lock (_stderr)
                {
                    if (_stderr.Length < StderrKeepBytes)
                    {
                        _stderr.Append(Encoding.UTF8.GetString(buffer, 0, Math.Min(read, StderrKeepBytes - _stderr.Length)));
                    }
                }
                if (total > StderrLimitBytes)
                {
                    await FailAsync($"the sandbox agent wrote more than {StderrLimitBytes / 1024} KiB to its diagnostics pipe; the sandbox was stopped").ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Stops the sandbox because the host can no longer trust it; <see cref="TerminationReason"/> says why.</summary>
    private async Task FailAsync(string reason)
    {
        Interlocked.CompareExchange(ref _failure, reason, null);
        Log(reason);
        _terminated.TrySetResult();
        await DisposeAsync().ConfigureAwait(false);
    }

    private string StderrText()
    {
        lock (_stderr)
        {
            return _stderr.Length == 0 ? "no diagnostics" : _stderr.ToString().Trim().ReplaceLineEndings(" ");
        }
    }

    private void Log(string message)
    {
        lock (_stderr)
        {
            if (_stderr.Length < StderrKeepBytes)
            {
                _stderr.AppendLine(message);
            }
        }
    }
}
