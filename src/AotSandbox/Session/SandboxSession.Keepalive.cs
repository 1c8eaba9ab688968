using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary>
/// Keepalive: client pings at an interval, and a dead-peer deadline on silence. One loop per session on a
/// <see cref="PeriodicTimer"/>; the receive path only stamps a tick count (inside the transport), so keepalive costs
/// nothing per message.
/// </summary>
internal sealed partial class SandboxSession
{
    /// <summary>Stops the keepalive loop when the connection ends.</summary>
    private readonly CancellationTokenSource _keepaliveStop = new();

    private Task _keepaliveLoop = Task.CompletedTask;

    /// <summary>Set when the dead-peer deadline fired: pending operations then fail with this message instead of a bare 1006.</summary>
    private volatile string? _connectionLostMessage;

    /// <summary>True while the receive loop deliberately stops reading (a slow ExecStream consumer): silence is then ours, not the peer's.</summary>
    private volatile bool _receivePaused;

    /// <summary>Tick count when the receive loop last resumed reading after a pause.</summary>
    private long _resumedAt;

    /// <summary>1 while a ping is being written; a ping stuck behind a full socket buffer never queues another.</summary>
    private int _pingInFlight;

    private void StartKeepalive(TimeSpan? interval, TimeSpan? timeout)
    {
        if (interval is null && timeout is null)
        {
            return;
        }

        _keepaliveLoop = Task.Run(() => KeepaliveLoopAsync(interval, timeout), CancellationToken.None);
    }

    private async Task KeepaliveLoopAsync(TimeSpan? interval, TimeSpan? timeout)
    {
        // Check at a quarter of the shortest period so the deadline is noticed within 25 % of it.
        TimeSpan shortest = interval is { } i && (timeout is null || i < timeout) ? i : timeout!.Value;
        TimeSpan period = TimeSpan.FromMilliseconds(Math.Clamp(shortest.TotalMilliseconds / 4, 10, 1000));
        long intervalMs = interval is { } iv ? (long)iv.TotalMilliseconds : long.MaxValue;
        long timeoutMs = timeout is { } tv ? (long)tv.TotalMilliseconds : long.MaxValue;
        long nextPing = Environment.TickCount64 + intervalMs;
        Volatile.Write(ref _resumedAt, Environment.TickCount64);
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_keepaliveStop.Token).ConfigureAwait(false))
            {
                long now = Environment.TickCount64;
                long lastHeard = Math.Max(_transport.LastReceivedAt, Volatile.Read(ref _resumedAt));
                if (!_receivePaused && now - lastHeard > timeoutMs)
                {
                    await DeclarePeerDeadAsync(now - lastHeard, timeout!.Value).ConfigureAwait(false);
                    return;
                }

                if (now >= nextPing)
                {
                    nextPing = now + intervalMs;
                    if (Interlocked.Exchange(ref _pingInFlight, 1) == 0)
                    {
                        _ = PingAsync();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended.
        }
    }

    /// <summary>Writes one ping; failures are left to the receive side and the deadline, which report them better.</summary>
    private async Task PingAsync()
    {
        try
        {
            await _transport.SendPingAsync(_keepaliveStop.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed ping is not an error of its own: the connection's end is reported by the receive loop.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            Volatile.Write(ref _pingInFlight, 0);
        }
    }

    /// <summary>Nothing arrived within the deadline: record why, settle everything pending, then drop the transport.</summary>
    private async Task DeclarePeerDeadAsync(long silentMs, TimeSpan timeout)
    {
        _connectionLostMessage =
            $"Sandbox '{SandboxId}' connection lost: nothing arrived from the server for {silentMs / 1000.0:0.0} s " +
            $"(keepalive timeout {timeout.TotalSeconds:0.###} s), so the network path or the server is gone. " +
            "Foreground commands and file operations in flight were failed; detached commands keep running in the sandbox: call Sandbox.ReconnectAsync " +
            "to resume them (or set AutoReconnect), and check the network if it keeps happening.";

        // Settle here rather than wait for the receive loop: a transport on a blackholed path may never wake it.
        EndConnection(CloseCodes.Abnormal);
        try
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Tearing down a connection already declared dead.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
