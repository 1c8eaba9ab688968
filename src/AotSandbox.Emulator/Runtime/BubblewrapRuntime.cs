using System.Text.RegularExpressions;
using AotSandbox.Emulator.Runtime.Bubblewrap;
using AotSandbox.Emulator.Runtime.Image;

namespace AotSandbox.Emulator.Runtime;

/// <summary>
/// Runs real sandboxes on this machine: bubblewrap (user, pid, ipc, uts, cgroup and mount namespaces), a host-owned
/// network namespace, cgroup v1 limits, one host uid per sandbox, and the in-sandbox agent as PID 1.
/// </summary>
internal sealed partial class BubblewrapRuntime : ISandboxRuntime
{
    private readonly BubblewrapRuntimeOptions _options;
    private readonly UidPool _uids;
    private readonly Lock _gate = new();
    private readonly HashSet<BubblewrapSandbox> _live = [];
    private readonly SemaphoreSlim _agentInstall = new(1, 1);
    private string? _installedAgent;
    private SandboxImage? _image;
    private RuntimeOwnership? _ownership;

    /// <param name="options">Host settings; null for the defaults (state under /run/aotsandbox, uids from 200001).</param>
    public BubblewrapRuntime(BubblewrapRuntimeOptions? options = null)
    {
        _options = options ?? new BubblewrapRuntimeOptions();
        _uids = new UidPool(_options.UidBase, _options.UidCount);
    }

    /// <summary>The uid range sandboxes run as (for leak checks and operators).</summary>
    internal UidPool Uids => _uids;

    internal BubblewrapRuntimeOptions Options => _options;

    public void CheckPrerequisites() => Prerequisites.Check(_options);

    /// <summary>
    /// Refuses a uid range that a host account, group or foreign process uses (<see cref="PoolUidGuard"/>), claims this
    /// runtime's range (state root + uid range, see <see cref="RuntimeOwnership"/>) for its lifetime, then removes what a
    /// crashed earlier owner left. Fails, sweeping nothing, when the range is not free or another live runtime owns it.
    /// </summary>
    public Task SweepLeftoversAsync(CancellationToken cancellationToken)
    {
        PoolUidGuard.Check(_options, _uids);
        lock (_gate)
        {
            _ownership ??= RuntimeOwnership.Acquire(_options);
        }

        return LeftoverSweeper.SweepAsync(_options, _uids, Snapshot(), cancellationToken);
    }

    public async Task<ISandboxInstance> StartAsync(SandboxSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!SafeId().IsMatch(spec.Id))
        {
            throw new SandboxRuntimeException($"invalid sandbox id '{spec.Id}': use 1-64 characters of [A-Za-z0-9_-]");
        }

        var agent = await InstallAgentAsync(cancellationToken).ConfigureAwait(false);
        var image = await ResolveImageAsync(null, cancellationToken).ConfigureAwait(false);
        var sandbox = new BubblewrapSandbox(_options, spec, _uids, _uids.Rent(), Forget);
        lock (_gate)
        {
            _live.Add(sandbox);
        }

        try
        {
            await sandbox.StartAsync(agent, image, cancellationToken).ConfigureAwait(false);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Tears down every sandbox this runtime started.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var sandbox in Snapshot())
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
        }

        lock (_gate)
        {
            _ownership?.Dispose();
            _ownership = null;
        }
    }

    private BubblewrapSandbox[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _live];
        }
    }

    private void Forget(BubblewrapSandbox sandbox)
    {
        lock (_gate)
        {
            _live.Remove(sandbox);
        }
    }

    /// <summary>
    /// Resolves <see cref="BubblewrapRuntimeOptions.Image"/> once (building or importing it into the image cache on
    /// first use); later calls return the same image. Call it before serving, with a progress sink, so the first
    /// sandbox does not wait minutes for a build.
    /// </summary>
    public async Task<SandboxImage> ResolveImageAsync(IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        if (_image is { } resolved)
        {
            return resolved;
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException();
        }

        await _agentInstall.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _image ??= await new ImageStore(_options.ImageCacheRoot).ResolveAsync(_options.Image, progress, cancellationToken).ConfigureAwait(false);
            return _image;
        }
        finally
        {
            _agentInstall.Release();
        }
    }

    /// <summary>
    /// Copies the agent to a root-owned, read-only path under the state root: bwrap (running as the pool uid) must be
    /// able to bind it, and the binary the sandbox runs must not sit where a non-root user could replace it.
    /// </summary>
    private async Task<string> InstallAgentAsync(CancellationToken cancellationToken)
    {
        if (_installedAgent is { } installed)
        {
            return installed;
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        await _agentInstall.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_installedAgent is not null)
            {
                return _installedAgent;
            }

            const UnixFileMode ReadExecute = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            var bin = Path.Combine(_options.StateRoot, "bin");
            TrustedStatePath.EnsureDirectory(bin);
            // Exclusive create + rename: atomic (sandboxes starting elsewhere never see half a file), and a link planted
            // at either name is replaced, never written through.
            TrustedStatePath.ReplaceFile(bin, "aotsandbox-agent", await File.ReadAllBytesAsync(_options.AgentPath, cancellationToken).ConfigureAwait(false), ReadExecute);
            var target = Path.Combine(bin, "aotsandbox-agent");
            _installedAgent = target;
            return target;
        }
        finally
        {
            _agentInstall.Release();
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex SafeId();
}
