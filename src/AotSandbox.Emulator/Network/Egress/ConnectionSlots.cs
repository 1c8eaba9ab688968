namespace AotSandbox.Emulator.Network;

/// <summary>A non-blocking counter of concurrent connections: over the limit, a connection is refused at once.</summary>
internal sealed class ConnectionSlots(int limit)
{
    private int _inUse;

    /// <summary>Takes a slot; false when all are taken.</summary>
    public bool TryTake()
    {
        if (Interlocked.Increment(ref _inUse) <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _inUse);
        return false;
    }

    /// <summary>Returns a slot taken by <see cref="TryTake"/>.</summary>
    public void Release() => Interlocked.Decrement(ref _inUse);
}
