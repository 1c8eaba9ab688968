using AotSandbox.Emulator.Network;
using AotSandbox.Emulator.Rest;
using AotSandbox.Emulator.Runtime;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Emulator.Sandboxes;

/// <summary>
/// Creates and ends sandboxes. Every way a sandbox can end (DELETE, maxLifetime, idleTimeout, its init dying,
/// emulator shutdown) goes through <see cref="EndAsync"/>, so sockets are closed, the runtime instance disposed,
/// the slot returned and a tombstone written exactly once.
/// </summary>
internal sealed class SandboxManager
{
    /// <summary>The pid limit of an idle pool entry: its agent and a shepherd or two, nothing else.</summary>
    internal const int IdleMaxPids = 16;

    /// <summary>How long teardown waits to tell clients that their commands died; the close follows regardless.</summary>
    private static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(2);

    private readonly ISandboxRuntime _runtime;
    private readonly EmulatorTimings _timings;
    private readonly ILogger _logger;
    private readonly SandboxNetworkService? _network;

    /// <summary>Creates the manager over a runtime and a registry.</summary>
    /// <param name="runtime">Starts the sandboxes.</param>
    /// <param name="registry">Live sandboxes and tombstones.</param>
    /// <param name="timings">Timers.</param>
    /// <param name="logger">Where lifecycle events go.</param>
    /// <param name="network">Egress, DNS and preview for each sandbox; null only for runtimes without network namespaces (tests).</param>
    public SandboxManager(ISandboxRuntime runtime, SandboxRegistry registry, EmulatorTimings timings, ILogger logger, SandboxNetworkService? network = null)
    {
        _runtime = runtime;
        _network = network;
        Registry = registry;
        _timings = timings;
        _logger = logger;
    }

    public SandboxRegistry Registry { get; }

    /// <summary>Host-wide admission (pids, memory, sandboxes per namespace); unlimited unless set.</summary>
    public HostBudget Budget { get; init; } = new(long.MaxValue, long.MaxValue, int.MaxValue);

    /// <summary>The pre-warmed sandboxes; null when the pool is off (size 0).</summary>
    public SandboxPool? Pool { get; private set; }

    /// <summary>
    /// Keeps <paramref name="size"/> started, tenant-less sandboxes of <paramref name="tier"/>'s shape ready (0: no pool).
    /// Call once, after <see cref="Budget"/> is set.
    /// </summary>
    public void StartPool(int size, string tier)
    {
        if (size <= 0)
        {
            return;
        }

        Pool = new SandboxPool(
            size, SandboxTiers.LimitsFor(tier), Budget,
            idle => Registry.SlotsTaken + idle + 1 <= Registry.MaxSandboxes,
            StartIdleAsync, StopTenantlessAsync, _logger);
        Pool.Start();
    }

    /// <summary>
    /// Starts a sandbox for <paramref name="ns"/>; null when the emulator is at capacity (MaxSandboxes). Throws
    /// <see cref="AdmissionRefusedException"/> when a host budget is spent. Runtime failures propagate.
    /// A pre-warmed sandbox of the right shape is claimed when the pool has one; otherwise one is started on demand,
    /// after evicting pool entries if they hold the budget or the slots this create needs.
    /// </summary>
    public async Task<(EmulatedSandbox Sandbox, string Token)?> CreateAsync(string ns, CreateSandboxRequest request, CancellationToken cancellationToken)
    {
        if (!Registry.TryReserveSlot())
        {
            return null;
        }

        SandboxLimits limits = SandboxTiers.LimitsFor(request.Size);
        PooledSandbox? entry = Pool?.TryTake(limits);
        long freedPids = entry?.Limits.MaxPids ?? 0;
        long freedMemory = entry?.Limits.MemoryBytes ?? 0;
        try
        {
            while (Budget.TryAdmit(ns, request.Size, limits.MaxPids, limits.MemoryBytes, freedPids, freedMemory) is { } spent)
            {
                SandboxLimits? evicted = Budget.NamespaceFull(ns) || Pool is null ? null : await Pool.TakeForEvictionAsync().ConfigureAwait(false);
                if (evicted is null)
                {
                    throw new AdmissionRefusedException(spent);
                }

                freedPids += evicted.MaxPids;
                freedMemory += evicted.MemoryBytes;
            }
        }
        catch
        {
            if (entry is not null)
            {
                // Refused before any tenant data reached it: the entry goes back to the pool with its reservation.
                freedPids -= entry.Limits.MaxPids;
                freedMemory -= entry.Limits.MemoryBytes;
                Pool!.Restore(entry);
            }

            Budget.ReleaseIdle(freedPids, freedMemory);
            Registry.ReleaseSlot();
            throw;
        }

        try
        {
            if (entry is null)
            {
                // Sandboxes plus pool entries stay within MaxSandboxes: this create's slot may be one an entry was using.
                while (Pool is not null && Registry.SlotsTaken + Pool.Count > Registry.MaxSandboxes
                    && await Pool.TakeForEvictionAsync().ConfigureAwait(false) is { } extra)
                {
                    Budget.ReleaseIdle(extra.MaxPids, extra.MemoryBytes);
                }

                entry = await StartTenantlessAsync(limits, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            Release(ns, limits);
            throw;
        }

        IReadOnlyDictionary<int, string>? previewUrls;
        try
        {
            previewUrls = await ClaimAsync(entry, request, limits, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await StopTenantlessAsync(entry).ConfigureAwait(false);
            Release(ns, limits);
            throw;
        }

        string id = entry.Instance.Id;
        var previewTokens = request.Ports.ToDictionary(port => port, _ => SecretGenerator.NewPreviewToken());
        var description = new SandboxDescription(
            id, ns, request.Name, request.Size, request.Type, request.Cluster ?? "local", request.Region ?? "local",
            request.MaxLifetimeSeconds, request.IdleTimeoutSeconds, previewTokens, DateTimeOffset.UtcNow)
        {
            PreviewUrls = previewUrls,
        };
        string token = SecretGenerator.NewSessionToken();
        var sandbox = new EmulatedSandbox(description, token, entry.Instance, _timings);
        Registry.Add(sandbox);
        _ = WatchTerminationAsync(sandbox);
        EmulatorLog.SandboxCreated(_logger, id, ns, request.Size);
        return (sandbox, token);
    }

    /// <summary>
    /// Starts a pool entry: like <see cref="StartTenantlessAsync"/>, but while it waits only its agent runs, so its pid
    /// limit is <see cref="IdleMaxPids"/> until the claim writes the tier's (anything started in an idle sandbox is a fault).
    /// </summary>
    private async Task<PooledSandbox> StartIdleAsync(SandboxLimits limits, CancellationToken cancellationToken)
    {
        PooledSandbox entry = await StartTenantlessAsync(limits with { MaxPids = Math.Min(IdleMaxPids, limits.MaxPids) }, cancellationToken).ConfigureAwait(false);
        return entry with { Limits = limits };
    }

    /// <summary>
    /// Starts a sandbox that belongs to nobody yet: runtime instance with the tier's limits and the network layer's
    /// files and variables, its namespace's firewall in force before its first process starts (the runtime awaits
    /// <see cref="SandboxSpec.PrepareNetwork"/> before launching anything), then the network attached with the
    /// deny-all policy and no preview ports.
    /// </summary>
    private async Task<PooledSandbox> StartTenantlessAsync(SandboxLimits limits, CancellationToken cancellationToken)
    {
        string id = SecretGenerator.NewSandboxId();
        string? prepared = null;
        SandboxSpec spec = BuildSpec(id, limits);
        if (_network is { } network)
        {
            spec = spec with
            {
                PrepareNetwork = async (netnsPath, token) =>
                {
                    await network.PrepareNamespaceAsync(netnsPath, token).ConfigureAwait(false);
                    prepared = netnsPath;
                },
            };
        }

        ISandboxInstance instance = await _runtime.StartAsync(spec, cancellationToken).ConfigureAwait(false);
        if (_network is not null)
        {
            try
            {
                // A runtime that did not run the preparation, or ran it on another namespace, started a sandbox without its
                // firewall: it is never handed out.
                if (prepared != instance.NetworkNamespacePath)
                {
                    throw new SandboxRuntimeException($"the runtime started sandbox {id} without preparing its network namespace");
                }

                // Before any command runs: the proxy and resolver listen in the namespace before the sandbox is handed out.
                await _network.AttachAsync(id, instance.NetworkNamespacePath, EgressPolicy.DenyAll, [], cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await instance.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return new PooledSandbox(instance, limits);
    }

    /// <summary>
    /// Makes a tenant-less sandbox the tenant's, before any of its commands can run: size limits, envs (through the
    /// agent), egress policy and preview ports. Returns the preview URLs (null without a network layer).
    /// </summary>
    private async Task<IReadOnlyDictionary<int, string>?> ClaimAsync(PooledSandbox entry, CreateSandboxRequest request, SandboxLimits limits, CancellationToken cancellationToken)
    {
        await entry.Instance.ClaimAsync(limits, request.Environment, cancellationToken).ConfigureAwait(false);
        if (_network is null)
        {
            return null;
        }

        _network.UpdatePolicy(entry.Instance.Id, request.Egress);
        return _network.AddPreviewPorts(entry.Instance.Id, request.Ports);
    }

    /// <summary>Tears down a sandbox no tenant has (a pool entry, or a create that failed before it was registered). Never throws.</summary>
    private async Task StopTenantlessAsync(PooledSandbox entry)
    {
        try
        {
            if (_network is not null)
            {
                await _network.DetachAsync(entry.Instance.Id).ConfigureAwait(false);
            }

            await entry.Instance.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort like EndAsync: the runtime sweeps whatever is left.
        catch (Exception e)
#pragma warning restore CA1031
        {
            EmulatorLog.TeardownFailed(_logger, entry.Instance.Id, e);
        }
    }

    /// <summary>Ends a sandbox once: closes its sockets (1000), writes the tombstone, disposes the runtime instance, frees the slot.</summary>
    public async Task EndAsync(EmulatedSandbox sandbox, string status, string reason)
    {
        if (!sandbox.TryMarkEnding())
        {
            return;
        }

        // Tombstone first, so GET never sees a gap between "running" and the final status.
        Registry.Bury(sandbox, status, reason);
        // Every command dies with the sandbox: say so on every connection before the 1000 close, since some clients
        // take a normal close as "nothing more is coming" and would otherwise wait for those exits forever.
        try
        {
            await sandbox.SettleExecsAsync(SettleBound).ConfigureAwait(false);
            sandbox.CloseConnections(reason);
        }
#pragma warning disable CA1031 // Telling clients is best effort; the runtime teardown below must run whatever happened here.
        catch (Exception e)
#pragma warning restore CA1031
        {
            EmulatorLog.TeardownFailed(_logger, sandbox.Id, e);
        }

        try
        {
            if (_network is not null)
            {
                // Preview routes and in-namespace sockets go first, while the namespace still exists.
                await _network.DetachAsync(sandbox.Id).ConfigureAwait(false);
            }

            await sandbox.Instance.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Teardown must finish (slot, tombstone) whatever the runtime throws; the runtime sweeps leftovers.
        catch (Exception e)
#pragma warning restore CA1031
        {
            EmulatorLog.TeardownFailed(_logger, sandbox.Id, e);
        }
        finally
        {
            Release(sandbox.Description.Namespace, SandboxTiers.LimitsFor(sandbox.Description.Size));
            Pool?.Wake();
        }

        EmulatorLog.SandboxEnded(_logger, sandbox.Id, status, reason);
    }

    /// <summary>Gives back the creation slot and the sandbox's share of the host budget.</summary>
    private void Release(string ns, SandboxLimits limits)
    {
        Budget.Release(ns, limits.MaxPids, limits.MemoryBytes);
        Registry.ReleaseSlot();
    }

    /// <summary>
    /// The runtime spec of a tenant-less sandbox: the tier's limits and the network layer's trust variables and files.
    /// The tenant's envs are added at claim (they win over these).
    /// </summary>
    private SandboxSpec BuildSpec(string id, SandboxLimits limits)
    {
        if (_network is null)
        {
            return new SandboxSpec(id, limits, new Dictionary<string, string>(StringComparer.Ordinal));
        }

        SandboxNetworkSetup setup = _network.SandboxSetup;
        var mounts = new SandboxMount[setup.Files.Count];
        for (int i = 0; i < mounts.Length; i++)
        {
            mounts[i] = new SandboxMount(setup.Files[i].HostPath, setup.Files[i].SandboxPath);
        }

        return new SandboxSpec(id, limits, setup.Environment) { ReadOnlyMounts = mounts };
    }

    /// <summary>Ends sandboxes past maxLifetime or idleTimeout and prunes retained state; called periodically.</summary>
    public void Sweep(DateTimeOffset now)
    {
        foreach (EmulatedSandbox sandbox in Registry.Live)
        {
            SandboxDescription d = sandbox.Description;
            if (now >= d.ExpiresAt)
            {
                _ = EndAsync(sandbox, SandboxStatus.Expired, $"maxLifetime of {d.MaxLifetimeSeconds} s reached");
            }
            else if (sandbox.IdleFor >= TimeSpan.FromSeconds(d.IdleTimeoutSeconds))
            {
                _ = EndAsync(sandbox, SandboxStatus.Expired, $"idle for {d.IdleTimeoutSeconds} s (idleTimeout)");
            }
            else
            {
                sandbox.Execs.Prune(now);
            }
        }

        Registry.PruneTombstones(now, _timings.TombstoneRetention);
    }

    /// <summary>Stops the pool (its entries are torn down) and ends every sandbox (emulator shutdown).</summary>
    public async Task EndAllAsync()
    {
        if (Pool is not null)
        {
            await Pool.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(Registry.Live.ToArray().Select(s => EndAsync(s, SandboxStatus.Destroyed, "the emulator is shutting down"))).ConfigureAwait(false);
    }

    private async Task WatchTerminationAsync(EmulatedSandbox sandbox)
    {
        await sandbox.Instance.Terminated.ConfigureAwait(false);
        await EndAsync(sandbox, SandboxStatus.Failed, sandbox.Instance.TerminationReason ?? "the sandbox's init process ended").ConfigureAwait(false);
    }
}

/// <summary>A create refused because a host budget (pids, memory, sandboxes per namespace) is spent; the message says which.</summary>
internal sealed class AdmissionRefusedException(string message) : Exception(message);
