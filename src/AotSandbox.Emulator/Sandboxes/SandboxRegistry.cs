using System.Collections.Concurrent;

namespace AotSandbox.Emulator.Sandboxes;

/// <summary>
/// All sandboxes of this emulator: the live ones, a bounded number of creation slots, and tombstones of ended ones.
/// Lookups always take the caller's namespace: a sandbox of another namespace is indistinguishable from a missing one.
/// </summary>
internal sealed class SandboxRegistry
{
    /// <summary>Tombstones kept at most (oldest dropped first), so churn cannot grow memory.</summary>
    public const int MaxTombstones = 1024;

    private readonly ConcurrentDictionary<string, EmulatedSandbox> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Tombstone> _tombstones = new(StringComparer.Ordinal);
    private readonly int _maxSandboxes;
    private int _slotsTaken;

    public SandboxRegistry(int maxSandboxes)
    {
        _maxSandboxes = maxSandboxes;
    }

    public int LiveCount => _live.Count;

    /// <summary>Creation slots taken (sandboxes live or being created).</summary>
    public int SlotsTaken => Volatile.Read(ref _slotsTaken);

    /// <summary>How many sandboxes may exist at once.</summary>
    public int MaxSandboxes => _maxSandboxes;

    public IEnumerable<EmulatedSandbox> Live => _live.Values;

    /// <summary>The remembered ended sandboxes of every namespace (at most <see cref="MaxTombstones"/>).</summary>
    public IEnumerable<Tombstone> Tombstones => _tombstones.Values;

    /// <summary>Takes a slot for a sandbox about to be created; false when the emulator is full.</summary>
    public bool TryReserveSlot()
    {
        while (true)
        {
            int taken = Volatile.Read(ref _slotsTaken);
            if (taken >= _maxSandboxes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _slotsTaken, taken + 1, taken) == taken)
            {
                return true;
            }
        }
    }

    /// <summary>Gives a slot back (create failed, or the sandbox ended).</summary>
    public void ReleaseSlot() => Interlocked.Decrement(ref _slotsTaken);

    public void Add(EmulatedSandbox sandbox) => _live[sandbox.Id] = sandbox;

    /// <summary>The live sandbox <paramref name="id"/> if it belongs to <paramref name="ns"/>.</summary>
    public EmulatedSandbox? Find(string ns, string id) =>
        _live.TryGetValue(id, out EmulatedSandbox? sandbox) && sandbox.Description.Namespace == ns && !sandbox.IsEnding ? sandbox : null;

    /// <summary>The tombstone of <paramref name="id"/> if it belonged to <paramref name="ns"/>.</summary>
    public Tombstone? FindTombstone(string ns, string id) =>
        _tombstones.TryGetValue(id, out Tombstone? tombstone) && tombstone.Description.Namespace == ns ? tombstone : null;

    /// <summary>
    /// The live sandbox that declared <paramref name="port"/> with preview token <paramref name="token"/> (for the
    /// preview proxy: it routes on the <c>p{port}-{token}</c> label). Tokens are compared in constant time.
    /// </summary>
    public EmulatedSandbox? FindPreviewTarget(int port, string token)
    {
        byte[] presented = System.Text.Encoding.ASCII.GetBytes(token.ToLowerInvariant());
        EmulatedSandbox? match = null;
        foreach (EmulatedSandbox sandbox in _live.Values)
        {
            if (sandbox.Description.PreviewTokens.TryGetValue(port, out string? expected)
                && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(presented, System.Text.Encoding.ASCII.GetBytes(expected))
                && !sandbox.IsEnding)
            {
                match = sandbox;
            }
        }

        return match;
    }

    /// <summary>Moves an ending sandbox from the live set to the tombstones.</summary>
    public void Bury(EmulatedSandbox sandbox, string status, string reason)
    {
        _tombstones[sandbox.Id] = new Tombstone(sandbox.Description, status, reason, DateTimeOffset.UtcNow);
        _live.TryRemove(sandbox.Id, out _);
        if (_tombstones.Count > MaxTombstones)
        {
            foreach (Tombstone old in _tombstones.Values.OrderBy(t => t.EndedAt).Take(_tombstones.Count - MaxTombstones).ToArray())
            {
                _tombstones.TryRemove(old.Description.Id, out _);
            }
        }
    }

    /// <summary>Forgets tombstones older than <paramref name="retention"/>.</summary>
    public void PruneTombstones(DateTimeOffset now, TimeSpan retention)
    {
        foreach (Tombstone tombstone in _tombstones.Values)
        {
            if (now - tombstone.EndedAt >= retention)
            {
                _tombstones.TryRemove(tombstone.Description.Id, out _);
            }
        }
    }
}
