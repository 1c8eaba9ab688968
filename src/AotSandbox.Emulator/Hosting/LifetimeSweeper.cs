using AotSandbox.Emulator.Sandboxes;

namespace AotSandbox.Emulator;

/// <summary>
/// One periodic loop for every timer of the emulator (maxLifetime, idleTimeout, tombstones, retained execs), instead
/// of a timer per sandbox: bounded work, and nothing to leak when a sandbox ends early.
/// </summary>
internal sealed class LifetimeSweeper
{
    private readonly SandboxManager _manager;
    private readonly TimeSpan _interval;

    public LifetimeSweeper(SandboxManager manager, TimeSpan interval)
    {
        _manager = manager;
        _interval = interval;
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                _manager.Sweep(DateTimeOffset.UtcNow);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
