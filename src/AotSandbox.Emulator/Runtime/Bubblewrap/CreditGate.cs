namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>Bytes the host may still send for one exec's stdin; refilled by the agent's credits.</summary>
internal sealed class CreditGate(long initial)
{
    private readonly Lock _gate = new();
    private readonly long _window = initial;
    private long _available = initial;
    private bool _closed;
    private TaskCompletionSource? _waiter;

    /// <summary>Takes <paramref name="bytes"/> of credit, waiting for refills; false once the gate is closed (the exec ended).</summary>
    public async ValueTask<bool> TakeAsync(int bytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }

                if (_available >= bytes)
                {
                    _available -= bytes;
                    return true;
                }
                waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Refills; false (and nothing added) when the total would exceed the initial window, which only a broken or hostile peer causes.</summary>
    public bool Add(long bytes)
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            if (bytes < 0 || _available + bytes > _window)
            {
                return false;
            }

            _available += bytes;
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
        return true;
    }

    public void Close()
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            _closed = true;
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
    }
}
