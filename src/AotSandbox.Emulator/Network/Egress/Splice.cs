using System.Net.Sockets;

namespace AotSandbox.Emulator.Network;

/// <summary>Copies two connected sockets into each other until both directions ended (half-close is propagated).</summary>
internal static class Splice
{
    /// <summary>Relays <paramref name="a"/> ↔ <paramref name="b"/>; <paramref name="firstToB"/> is sent to b first.</summary>
    public static Task RunAsync(Socket a, Socket b, ReadOnlyMemory<byte> firstToB, CancellationToken cancellationToken) =>
        RunAsync(a, b, firstToB, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>
    /// Relays <paramref name="a"/> ↔ <paramref name="b"/> and ends both when no byte moved in either direction for
    /// <paramref name="idleTimeout"/> (infinite: never). Activity is one timestamp written per read, checked by a
    /// single timer task per relay: nothing is allocated per chunk.
    /// </summary>
    public static async Task RunAsync(Socket a, Socket b, ReadOnlyMemory<byte> firstToB, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        if (!firstToB.IsEmpty)
        {
            await b.SendAsync(firstToB, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        if (idleTimeout == Timeout.InfiniteTimeSpan)
        {
            await Task.WhenAll(PumpAsync(a, b, null, cancellationToken), PumpAsync(b, a, null, cancellationToken)).ConfigureAwait(false);
            return;
        }
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var activity = new Activity();
        Task watchdog = WatchAsync(activity, idleTimeout, idle);
        await Task.WhenAll(PumpAsync(a, b, activity, idle.Token), PumpAsync(b, a, activity, idle.Token)).ConfigureAwait(false);
        await idle.CancelAsync().ConfigureAwait(false);
        await watchdog.ConfigureAwait(false);
    }

    private static async Task WatchAsync(Activity activity, TimeSpan idleTimeout, CancellationTokenSource idle)
    {
        long limit = (long)idleTimeout.TotalMilliseconds;
        try
        {
            while (true)
            {
                long quiet = Environment.TickCount64 - Volatile.Read(ref activity.LastTick);
                if (quiet >= limit)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(limit - quiet), idle.Token).ConfigureAwait(false);
            }
            await idle.CancelAsync().ConfigureAwait(false); // idle: the pumps end and shut both sockets down
        }
        catch (OperationCanceledException)
        {
            // The relay ended (or the emulator stops).
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, Activity? activity, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (activity is not null)
                {
                    Volatile.Write(ref activity.LastTick, Environment.TickCount64);
                }

                if (n == 0)
                {
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One side broke: tear both down so the other pump ends too.
            try { from.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            try { to.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
    }

    private sealed class Activity
    {
        public long LastTick = Environment.TickCount64;
    }
}
