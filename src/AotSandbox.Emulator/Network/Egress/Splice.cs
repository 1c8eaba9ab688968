using System.Net.Sockets;

namespace AotSandbox.Emulator.Network;

/// <summary>Copies two connected sockets into each other until both directions ended (half-close is propagated).</summary>
internal static class Splice
{
    /// <summary>Relays <paramref name="a"/> ↔ <paramref name="b"/>; <paramref name="firstToB"/> is sent to b first.</summary>
    public static async Task RunAsync(Socket a, Socket b, ReadOnlyMemory<byte> firstToB, CancellationToken cancellationToken)
    {
        if (!firstToB.IsEmpty) await b.SendAsync(firstToB, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(PumpAsync(a, b, cancellationToken), PumpAsync(b, a, cancellationToken)).ConfigureAwait(false);
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
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
}
