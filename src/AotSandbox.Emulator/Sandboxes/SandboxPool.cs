using AotSandbox.Emulator.Runtime;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Emulator.Sandboxes;

/// <summary>A started sandbox waiting for a tenant: no name, namespace, envs, policy or ports yet; its id is already final.</summary>
internal sealed record PooledSandbox(ISandboxInstance Instance, SandboxLimits Limits);

/// <summary>
/// Keeps up to <c>size</c> started, tenant-less sandboxes (namespaces, cgroups, network namespace with its redirect rules,
/// agent answering) so that a create only has to claim one. Each entry is handed out once and never comes back: a
/// claimed sandbox ends like any other, and the pool starts a fresh one (fresh uid, namespaces, tmpfs) to replace it.
/// Entries reserve their share of the <see cref="HostBudget"/> as idle reservations and take no creation slot; the
/// pool only grows while sandboxes plus entries stay under MaxSandboxes and the budget has room, and a create that
/// would otherwise be refused evicts entries first (<see cref="TakeForEvictionAsync"/>).
/// </summary>
internal sealed class SandboxPool : IAsyncDisposable
{
    /// <summary>After a failed start the refill waits this long, doubling up to <see cref="MaxBackoff"/>: a broken host must not be hammered.</summary>
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Room (budget, slots) can appear without a signal (a sandbox ended); the refill looks again this often.</summary>
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a claim the refill waits this long: the claimed sandbox's first steps (WebSocket connect, auth, first exec)
    /// follow at once, and a refill started in the same instant competes with them for the CPU (on 2 busy cores the
    /// first exec took 20 ms instead of 7 ms). A burst of creates is served by the other entries meanwhile.
    /// </summary>
    private static readonly TimeSpan ClaimSettle = TimeSpan.FromMilliseconds(150);

    private readonly Lock _gate = new();
    private readonly Queue<PooledSandbox> _idle = new();
    private readonly HashSet<Task> _retiring = [];
    private readonly int _size;
    private readonly SandboxLimits _limits;
    private readonly HostBudget _budget;
    private readonly Func<int, bool> _hasRoom;
    private readonly Func<SandboxLimits, CancellationToken, Task<PooledSandbox>> _start;
    private readonly Func<PooledSandbox, Task> _stop;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<PooledSandbox?>? _starting;
    private Task _loop = Task.CompletedTask;
    private long _lastClaimTicks = long.MinValue / 2;
    private bool _disposed;

    /// <param name="size">How many idle entries to keep (at least 1; a size of 0 means no pool at all and no instance).</param>
    /// <param name="limits">The limits entries start with; only creates whose tmpfs sizes match can claim them.</param>
    /// <param name="budget">Where entries reserve their share.</param>
    /// <param name="hasRoom">Whether one more sandbox fits beside the live ones and the given number of entries (MaxSandboxes).</param>
    /// <param name="start">Starts one tenant-less sandbox.</param>
    /// <param name="stop">Tears one entry down (network detach, runtime dispose); never throws.</param>
    /// <param name="logger">Where start failures go.</param>
    public SandboxPool(int size, SandboxLimits limits, HostBudget budget, Func<int, bool> hasRoom,
        Func<SandboxLimits, CancellationToken, Task<PooledSandbox>> start, Func<PooledSandbox, Task> stop, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _size = size;
        _limits = limits;
        _budget = budget;
        _hasRoom = hasRoom;
        _start = start;
        _stop = stop;
        _logger = logger;
    }

    /// <summary>Idle entries plus the one being started, if any.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count + (_starting is null ? 0 : 1);
            }
        }
    }

    /// <summary>The ids of the idle entries, oldest first (tests: a create must claim one of these).</summary>
    internal string[] IdleIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _idle.Select(e => e.Instance.Id)];
            }
        }
    }

    /// <summary>Idle entries ready to be claimed now.</summary>
    public int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>Starts the background refill.</summary>
    public void Start() => _loop = RefillLoopAsync(_stopping.Token);

    /// <summary>Asks the refill to look again now (an entry was claimed, a sandbox ended).</summary>
    public void Wake()
    {
        lock (_gate)
        {
            _wake.TrySetResult();
        }
    }

    /// <summary>
    /// Hands out one idle entry whose tmpfs sizes equal <paramref name="limits"/>'s (they are fixed when bwrap mounts
    /// them; cgroup limits are rewritten at claim). The caller owns the entry and its idle budget reservation from here.
    /// </summary>
    public PooledSandbox? TryTake(SandboxLimits limits)
    {
        if (limits.WorkspaceBytes != _limits.WorkspaceBytes || limits.TmpBytes != _limits.TmpBytes)
        {
            return null;
        }

        lock (_gate)
        {
            while (_idle.TryDequeue(out PooledSandbox? entry))
            {
                if (!entry.Instance.Terminated.IsCompleted)
                {
                    _lastClaimTicks = Environment.TickCount64;
                    _wake.TrySetResult();
                    return entry;
                }

                RetireLocked(entry); // died while idle (killed from outside): never hand out a dead sandbox
            }
        }

        return null;
    }

    /// <summary>Puts back an entry taken with <see cref="TryTake"/> that was never claimed (its create was refused); it keeps its reservation.</summary>
    public void Restore(PooledSandbox entry)
    {
        lock (_gate)
        {
            if (_disposed || entry.Instance.Terminated.IsCompleted)
            {
                RetireLocked(entry);
            }
            else
            {
                _idle.Enqueue(entry);
            }
        }
    }

    /// <summary>
    /// Removes one entry so its budget or slot can go to a create: an idle one at once, else the one being started once its
    /// start ends. Returns once the entry is torn down; its idle reservation passes to the caller, who must give it
    /// back (<see cref="HostBudget.ReleaseIdle"/>) or consume it (<see cref="HostBudget.TryAdmit"/>). Null when the pool holds nothing.
    /// </summary>
    public async Task<SandboxLimits?> TakeForEvictionAsync()
    {
        Task<PooledSandbox?>? starting;
        PooledSandbox? evicted = null;
        Task? stopped = null;
        lock (_gate)
        {
            if (_idle.TryDequeue(out PooledSandbox? entry))
            {
                evicted = entry;
                stopped = Task.Run(() => _stop(entry));
                Track(stopped);
            }

            starting = _starting?.Task;
        }

        if (evicted is not null)
        {
            // Gone for real before the caller uses its budget or slot: the host never runs more than it admitted.
            await stopped!.ConfigureAwait(false);
            return evicted.Limits;
        }

        if (starting is null)
        {
            return null;
        }

        await starting.ConfigureAwait(false);
        return await TakeForEvictionAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the refill and tears every entry down, releasing their budget.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Wake();
        await _loop.ConfigureAwait(false);
        Task[] retiring;
        lock (_gate)
        {
            while (_idle.TryDequeue(out PooledSandbox? entry))
            {
                RetireLocked(entry);
            }

            retiring = [.. _retiring];
        }

        await Task.WhenAll(retiring).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task RefillLoopAsync(CancellationToken stopping)
    {
        TimeSpan backoff = FirstBackoff;
        while (!stopping.IsCancellationRequested)
        {
            Task wake;
            lock (_gate)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wake = _wake.Task;
            }

            long settle;
            lock (_gate)
            {
                settle = _lastClaimTicks + (long)ClaimSettle.TotalMilliseconds - Environment.TickCount64;
            }

            if (settle > 0)
            {
                await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(settle), stopping)).ConfigureAwait(false);
                continue;
            }

            if (TryBeginStart() is { } starting)
            {
                bool started = await StartOneAsync(starting, stopping).ConfigureAwait(false);
                if (started)
                {
                    backoff = FirstBackoff;
                    continue;
                }

                await Task.WhenAny(Task.Delay(backoff, stopping)).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                continue;
            }

            await Task.WhenAny(wake, Task.Delay(RecheckInterval, stopping)).ConfigureAwait(false);
        }
    }

    /// <summary>Reserves the budget for one more entry when the pool is short and there is room; null otherwise.</summary>
    private TaskCompletionSource<PooledSandbox?>? TryBeginStart()
    {
        lock (_gate)
        {
            if (_disposed || _idle.Count >= _size || !_hasRoom(_idle.Count) || !_budget.TryReserveIdle(_limits.MaxPids, _limits.MemoryBytes))
            {
                return null;
            }

            _starting = new(TaskCreationOptions.RunContinuationsAsynchronously);
            return _starting;
        }
    }

    private async Task<bool> StartOneAsync(TaskCompletionSource<PooledSandbox?> starting, CancellationToken stopping)
    {
        PooledSandbox? entry = null;
        try
        {
            entry = await _start(_limits, stopping).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed refill is logged and retried later; it must never end the refill loop.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (!stopping.IsCancellationRequested)
            {
                EmulatorLog.PoolStartFailed(_logger, e);
            }
        }

        lock (_gate)
        {
            _starting = null;
            if (entry is null)
            {
                _budget.ReleaseIdle(_limits.MaxPids, _limits.MemoryBytes);
            }
            else if (_disposed)
            {
                RetireLocked(entry);
            }
            else
            {
                _idle.Enqueue(entry);
                _ = DropWhenTerminatedAsync(entry);
            }
        }

        starting.TrySetResult(entry);
        return entry is not null;
    }

    /// <summary>An idle entry whose agent died (killed from outside, OOM) is torn down now rather than at its claim.</summary>
    private async Task DropWhenTerminatedAsync(PooledSandbox entry)
    {
        await entry.Instance.Terminated.ConfigureAwait(false);
        lock (_gate)
        {
            int before = _idle.Count;
            PooledSandbox[] kept = [.. _idle.Where(e => !ReferenceEquals(e, entry))];
            if (kept.Length == before)
            {
                return; // already claimed, evicted or retired
            }

            _idle.Clear();
            foreach (PooledSandbox e in kept)
            {
                _idle.Enqueue(e);
            }

            RetireLocked(entry);
            _wake.TrySetResult();
        }
    }

    /// <summary>Tears an entry down in the background and gives its idle reservation back.</summary>
    private void RetireLocked(PooledSandbox entry)
    {
        _budget.ReleaseIdle(entry.Limits.MaxPids, entry.Limits.MemoryBytes);
        Track(Task.Run(() => _stop(entry)));
    }

    private void Track(Task stopping)
    {
        lock (_gate)
        {
            _retiring.Add(stopping);
        }

        _ = stopping.ContinueWith(
            t =>
            {
                lock (_gate)
                {
                    _retiring.Remove(t);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
