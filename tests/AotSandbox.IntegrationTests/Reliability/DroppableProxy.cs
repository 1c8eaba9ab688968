using System.Net;
using System.Net.Sockets;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>
/// A loopback TCP relay between a client and the emulator whose connections can be cut abruptly (RST, no close
/// handshake), to inject "the network dropped mid-stream" faults, or blackholed (nothing forwarded either way, sockets
/// left open: what a dead load balancer or a silently dropped NAT entry looks like to both ends).
/// </summary>
internal sealed class DroppableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    /// <summary>While set, the pumps hold what they read instead of forwarding it (and never close anything).</summary>
    private volatile bool _blackholed;

    /// <summary>Connections accepted so far.</summary>
    private int _accepted;

    public DroppableProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far (a reconnect shows up as one more).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>
    /// Stops forwarding in both directions on every connection, current and future, without closing anything: no FIN,
    /// no RST, bytes read are discarded. Neither end can tell, except by silence.
    /// </summary>
    public void Blackhole() => _blackholed = true;

    /// <summary>Resets every relayed connection at once.</summary>
    public void DropAll()
    {
        lock (_sockets)
        {
            foreach (Socket socket in _sockets)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0); // close → RST
                    socket.Close();
                }
                catch (ObjectDisposedException)
                {
                }
            }

            _sockets.Clear();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await upstream.ConnectAsync(_target);
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(upstream);
            }

            Interlocked.Increment(ref _accepted);
            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (_blackholed)
                {
                    // Swallow everything, including an end-of-stream: a blackhole propagates nothing.
                    if (n == 0)
                    {
                        return;
                    }

                    continue;
                }

                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            try
            {
                to.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        await _accepting;
        _stop.Dispose();
    }
}
