namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// Caps how many frames one connection gets handled per second (docs/SECURITY-MODEL.md S2): past the cap the reader simply
/// stops reading until the next one-second window, so a flood of tiny frames costs bounded CPU and TCP pushes back on
/// the client. Well-behaved clients never come near it.
/// </summary>
internal sealed class FramePacer
{
    private readonly int _perSecond;
    private long _windowStart = Environment.TickCount64;
    private int _count;

    public FramePacer(int perSecond)
    {
        _perSecond = perSecond;
    }

    public async ValueTask WaitTurnAsync(CancellationToken cancellationToken)
    {
        long now = Environment.TickCount64;
        if (now - _windowStart >= 1000)
        {
            _windowStart = now;
            _count = 0;
        }

        if (++_count > _perSecond)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, 1000 - (now - _windowStart))), cancellationToken).ConfigureAwait(false);
            _windowStart = Environment.TickCount64;
            _count = 1;
        }
    }
}
