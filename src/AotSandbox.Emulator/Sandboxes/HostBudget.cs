using System.Globalization;

namespace AotSandbox.Emulator.Sandboxes;

/// <summary>
/// Host-wide admission: what all live sandboxes together may reserve. Each sandbox reserves its tier's pid limit and
/// memory limit from the moment its create is admitted until it has ended, and its namespace takes one of its quota.
/// Per-sandbox cgroup limits alone let a few tenants reserve more pids than the kernel has (pid_max) or far more memory
/// than the host; a create beyond any budget is refused up front, with a message that names the spent budget.
/// </summary>
internal sealed class HostBudget
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _perNamespace = new(StringComparer.Ordinal);
    private long _pids;
    private long _memory;

    public HostBudget(long maxPids, long maxMemoryBytes, int maxPerNamespace)
    {
        MaxPids = maxPids;
        MaxMemoryBytes = maxMemoryBytes;
        MaxPerNamespace = maxPerNamespace;
    }

    public long MaxPids { get; }

    public long MaxMemoryBytes { get; }

    public int MaxPerNamespace { get; }

    /// <summary>
    /// Reserves a sandbox's share; returns null when admitted, else which budget is spent (a message for the client).
    /// <paramref name="releasingPids"/> and <paramref name="releasingMemoryBytes"/> are idle (pre-warmed) reservations the
    /// caller gives up in the same step when admitted: they count as free here, and stay reserved when refused, so a
    /// refill in between can never take them.
    /// </summary>
    public string? TryAdmit(string ns, string tier, long pids, long memoryBytes, long releasingPids = 0, long releasingMemoryBytes = 0)
    {
        lock (_gate)
        {
            int inNamespace = _perNamespace.GetValueOrDefault(ns);
            if (inNamespace >= MaxPerNamespace)
            {
                return Invariant($"The sandboxes-per-namespace budget is spent: namespace '{ns}' already has {inNamespace} of its {MaxPerNamespace} sandboxes; destroy one (DELETE) or raise MaxSandboxesPerNamespace (--max-sandboxes-per-namespace).");
            }

            if (_pids - releasingPids + pids > MaxPids)
            {
                return Invariant($"The host's process (pid) budget is spent: live sandboxes reserve {_pids} of {MaxPids} pids and a {tier} sandbox needs {pids}; destroy a sandbox, use a smaller size, or raise MaxTotalPids (--max-total-pids).");
            }

            if (_memory - releasingMemoryBytes + memoryBytes > MaxMemoryBytes)
            {
                return Invariant($"The host's memory budget is spent: live sandboxes reserve {_memory >> 20} of {MaxMemoryBytes >> 20} MiB of memory limits and a {tier} sandbox needs {memoryBytes >> 20} MiB; destroy a sandbox, use a smaller size, or raise MaxTotalMemoryBytes (--max-total-memory-mib).");
            }

            _perNamespace[ns] = inNamespace + 1;
            _pids += pids - releasingPids;
            _memory += memoryBytes - releasingMemoryBytes;
            return null;
        }
    }

    /// <summary>True when <paramref name="ns"/> holds its whole quota (evicting pre-warmed sandboxes would not help).</summary>
    public bool NamespaceFull(string ns)
    {
        lock (_gate)
        {
            return _perNamespace.GetValueOrDefault(ns) >= MaxPerNamespace;
        }
    }

    /// <summary>
    /// Reserves the share of a pre-warmed sandbox, which belongs to no namespace yet; false when it does not fit. Idle
    /// sandboxes use the host like any other, so they are inside the budget; creates evict them rather than be refused.
    /// </summary>
    public bool TryReserveIdle(long pids, long memoryBytes)
    {
        lock (_gate)
        {
            if (_pids + pids > MaxPids || _memory + memoryBytes > MaxMemoryBytes)
            {
                return false;
            }

            _pids += pids;
            _memory += memoryBytes;
            return true;
        }
    }

    /// <summary>Gives back what <see cref="TryReserveIdle"/> reserved.</summary>
    public void ReleaseIdle(long pids, long memoryBytes)
    {
        lock (_gate)
        {
            _pids -= pids;
            _memory -= memoryBytes;
        }
    }

    /// <summary>Gives back what <see cref="TryAdmit"/> reserved.</summary>
    public void Release(string ns, long pids, long memoryBytes)
    {
        lock (_gate)
        {
            _pids -= pids;
            _memory -= memoryBytes;
            int left = _perNamespace.GetValueOrDefault(ns) - 1;
            if (left > 0)
            {
                _perNamespace[ns] = left;
            }
            else
            {
                _perNamespace.Remove(ns);
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
