using System.Net.Sockets;

namespace AotSandbox.Rest.Http;

/// <summary>An open TCP (and maybe TLS) connection that ended its last response cleanly and may carry another request.</summary>
internal sealed class PooledConnection(ConnectionKey key, Socket socket, Stream stream) : IAsyncDisposable
{
    public ConnectionKey Key { get; } = key;

    public Socket Socket { get; } = socket;

    public Stream Stream { get; } = stream;

    /// <summary>When it was parked (Environment.TickCount64).</summary>
    public long IdleSince { get; set; }

    /// <summary>
    /// Whether the peer can still be talking to us: nothing to read and not closed. Readable-while-idle means either a
    /// close (EOF) or bytes nobody asked for; neither connection is fit for a new request.
    /// </summary>
    public bool LooksAlive()
    {
        try
        {
            return Socket.Connected && !Socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}
