namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// Hands out one host uid (and the same gid) per live sandbox, so processes of two sandboxes can never signal or
/// ptrace each other on uid alone. The pool is per runtime instance; one emulator per machine owns the range.
/// </summary>
internal sealed class UidPool(int baseUid, int count)
{
    private readonly bool[] _inUse = new bool[count];
    private readonly Lock _gate = new();
    private int _next;

    public int BaseUid { get; } = baseUid;

    public int Count { get; } = count;

    public bool Contains(long uid) => uid > BaseUid && uid <= BaseUid + Count;

    /// <summary>Round-robin, so a just-released uid is reused as late as possible.</summary>
    public int Rent()
    {
        lock (_gate)
        {
            for (var i = 0; i < Count; i++)
            {
                var slot = (_next + i) % Count;
                if (_inUse[slot])
                {
                    continue;
                }

                _inUse[slot] = true;
                _next = (slot + 1) % Count;
                return BaseUid + 1 + slot;
            }
        }
        throw new SandboxRuntimeException($"all {Count} sandbox uids are in use: destroy sandboxes or raise UidCount");
    }

    public void Return(int uid)
    {
        lock (_gate)
        {
            _inUse[uid - BaseUid - 1] = false;
        }
    }
}
