namespace AotSandbox.Protocol;

/// <summary>
/// Per-connection pool of <see cref="FrameBuilder"/>s. Sends may run concurrently and the transport may hold the payload
/// until its send completes, so each send takes its own builder and returns it afterwards: steady state allocates nothing.
/// </summary>
internal sealed class FrameBuilderPool : IDisposable
{
    private const int MaxRetained = 8;
    private readonly Stack<FrameBuilder> _free = new();
    private readonly Lock _gate = new();
    private bool _disposed;

    public FrameBuilder Rent()
    {
        lock (_gate)
        {
            if (_free.TryPop(out FrameBuilder? builder))
            {
                return builder;
            }
        }

        return new FrameBuilder();
    }

    public void Return(FrameBuilder builder)
    {
        builder.Reset();
        lock (_gate)
        {
            if (!_disposed && _free.Count < MaxRetained)
            {
                _free.Push(builder);
                return;
            }
        }

        builder.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            while (_free.TryPop(out FrameBuilder? builder))
            {
                builder.Dispose();
            }
        }
    }
}
