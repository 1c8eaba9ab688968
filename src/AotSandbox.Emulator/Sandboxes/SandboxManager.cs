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

    /// <summary>
    /// Starts a sandbox for <paramref name="ns"/>; null when the emulator is at capacity (MaxSandboxes). Throws
    /// <see cref="AdmissionRefusedException"/> when a host budget is spent. Runtime failures propagate.
    /// </summary>
    public async Task<(EmulatedSandbox Sandbox, string Token)?> CreateAsync(string ns, CreateSandboxRequest request, CancellationToken cancellationToken)
    {
        if (!Registry.TryReserveSlot())
        {
            return null;
        }

        SandboxLimits limits = SandboxTiers.LimitsFor(request.Size);
        if (Budget.TryAdmit(ns, request.Size, limits.MaxPids, limits.MemoryBytes) is { } spent)
        {
            Registry.ReleaseSlot();
            throw new AdmissionRefusedException(spent);
        }

        string id = SecretGenerator.NewSandboxId();
        ISandboxInstance instance;
        SandboxNetworkAttachment? attachment = null;
        try
        {
            instance = await _runtime.StartAsync(BuildSpec(id, request), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(ns, limits);
            throw;
        }

        if (_network is not null)
        {
            try
            {
                // Before any command runs: until this returns the namespace has no route, so nothing can leave early.
                attachment = await _network.AttachAsync(id, instance.NetworkNamespacePath, request.Egress, request.Ports, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await instance.DisposeAsync().ConfigureAwait(false);
                Release(ns, limits);
                throw;
            }
        }

        var previewTokens = request.Ports.ToDictionary(port => port, _ => SecretGenerator.NewPreviewToken());
        var description = new SandboxDescription(
            id, ns, request.Name, request.Size, request.Type, request.Cluster ?? "local", request.Region ?? "local",
            request.MaxLifetimeSeconds, request.IdleTimeoutSeconds, previewTokens, DateTimeOffset.UtcNow)
        {
            PreviewUrls = attachment?.PreviewUrls,
        };
        string token = SecretGenerator.NewSessionToken();
        var sandbox = new EmulatedSandbox(description, token, instance, _timings);
        Registry.Add(sandbox);
        _ = WatchTerminationAsync(sandbox);
        EmulatorLog.SandboxCreated(_logger, id, ns, request.Size);
        return (sandbox, token);
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
        }

        EmulatorLog.SandboxEnded(_logger, sandbox.Id, status, reason);
    }

    /// <summary>Gives back the creation slot and the sandbox's share of the host budget.</summary>
    private void Release(string ns, SandboxLimits limits)
    {
        Budget.Release(ns, limits.MaxPids, limits.MemoryBytes);
        Registry.ReleaseSlot();
    }

    /// <summary>The runtime spec: limits of the tier, the network layer's trust variables and files, then the user's envs (which win).</summary>
    private SandboxSpec BuildSpec(string id, CreateSandboxRequest request)
    {
        if (_network is null)
        {
            return new SandboxSpec(id, SandboxTiers.LimitsFor(request.Size), request.Environment);
        }

        SandboxNetworkSetup setup = _network.SandboxSetup;
        var environment = new Dictionary<string, string>(setup.Environment, StringComparer.Ordinal);
        foreach ((string name, string value) in request.Environment)
        {
            environment[name] = value;
        }

        var mounts = new SandboxMount[setup.Files.Count];
        for (int i = 0; i < mounts.Length; i++)
        {
            mounts[i] = new SandboxMount(setup.Files[i].HostPath, setup.Files[i].SandboxPath);
        }

        return new SandboxSpec(id, SandboxTiers.LimitsFor(request.Size), environment) { ReadOnlyMounts = mounts };
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

    /// <summary>Ends every sandbox (emulator shutdown).</summary>
    public Task EndAllAsync() =>
        Task.WhenAll(Registry.Live.ToArray().Select(s => EndAsync(s, SandboxStatus.Destroyed, "the emulator is shutting down")));

    private async Task WatchTerminationAsync(EmulatedSandbox sandbox)
    {
        await sandbox.Instance.Terminated.ConfigureAwait(false);
        await EndAsync(sandbox, SandboxStatus.Failed, sandbox.Instance.TerminationReason ?? "the sandbox's init process ended").ConfigureAwait(false);
    }
}

/// <summary>A create refused because a host budget (pids, memory, sandboxes per namespace) is spent; the message says which.</summary>
internal sealed class AdmissionRefusedException(string message) : Exception(message);
