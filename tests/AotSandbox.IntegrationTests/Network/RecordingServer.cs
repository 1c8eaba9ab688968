using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AotSandbox.IntegrationTests.Network;

/// <summary>
/// The receiving side every denial is asserted at: counts accepted connections and records every HTTP request
/// (request line + Host) it got. In HTTP mode it answers 200 "ok &lt;target&gt;" and keeps the connection alive.
/// </summary>
internal sealed class RecordingServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly bool _http;
    private readonly SslStreamCertificateContext? _tls;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _connections;

    /// <param name="intermediates">Sent after the leaf in every handshake; none: the server sends its leaf alone.</param>
    public RecordingServer(Socket listener, bool http, X509Certificate2? tls, X509Certificate2Collection? intermediates = null)
    {
        _listener = listener;
        _http = http;
        // offline: the test server itself must never fetch anything its certificates name.
        _tls = tls is null ? null : SslStreamCertificateContext.Create(tls, intermediates, offline: true);
        _loop = AcceptLoopAsync();
    }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>"METHOD target Host" of every request received, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public int Port => ((System.Net.IPEndPoint)_listener.LocalEndPoint!).Port;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try { s = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _connections);
            _ = ServeAsync(s);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(15));
                Stream stream = new NetworkStream(socket, ownsSocket: false);
                if (_tls is not null)
                {
                    var ssl = new SslStream(stream);
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = _tls }, timeout.Token);
                    stream = ssl;
                }
                if (!_http)
                {
                    var sink = new byte[4096];
                    while (await stream.ReadAsync(sink, timeout.Token) > 0) { }
                    return;
                }
                var buffer = new List<byte>();
                var chunk = new byte[8192];
                while (true)
                {
                    int end;
                    while ((end = IndexOf(buffer, "\r\n\r\n"u8)) < 0)
                    {
                        int n = await stream.ReadAsync(chunk, timeout.Token);
                        if (n == 0)
                        {
                            return;
                        }

                        buffer.AddRange(chunk.AsSpan(0, n));
                    }
                    string head = Encoding.Latin1.GetString(buffer.GetRange(0, end).ToArray());
                    buffer.RemoveRange(0, end + 4);
                    string[] lines = head.Split("\r\n");
                    string[] start = lines[0].Split(' ');
                    string host = lines.Skip(1).FirstOrDefault(l => l.StartsWith("host:", StringComparison.OrdinalIgnoreCase))?[5..].Trim() ?? "";
                    string? cl = lines.Skip(1).FirstOrDefault(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))?[15..].Trim();
                    int bodyLength = cl is null ? 0 : int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture);
                    while (buffer.Count < bodyLength)
                    {
                        int n = await stream.ReadAsync(chunk, timeout.Token);
                        if (n == 0)
                        {
                            return;
                        }

                        buffer.AddRange(chunk.AsSpan(0, n));
                    }
                    buffer.RemoveRange(0, bodyLength);
                    Requests.Enqueue($"{start[0]} {(start.Length > 1 ? start[1] : "")} {host}");
                    string body = $"ok {(start.Length > 1 ? start[1] : "")}\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nContent-Type: text/plain\r\n\r\n{body}"), timeout.Token);
                    if (lines.Skip(1).Any(l => l.Equals("connection: close", StringComparison.OrdinalIgnoreCase)))
                    {
                        return;
                    }
                }
            }
            catch (Exception)
            {
                // Sinks never fail a test by themselves; the assertions read what they recorded.
            }
        }
    }

    private static int IndexOf(List<byte> list, ReadOnlySpan<byte> pattern)
    {
        for (int i = 0; i + pattern.Length <= list.Count; i++)
        {
            bool match = true;
            for (int j = 0; j < pattern.Length && match; j++)
            {
                match = list[i + j] == pattern[j];
            }

            if (match)
            {
                return i;
            }
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Dispose();
        try { await _loop; } catch (Exception) { }
    }

    private int _disposed;
}

/// <summary>Counts UDP datagrams received.</summary>
internal sealed class UdpSink : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Task _loop;
    private int _datagrams;

    public UdpSink(Socket socket)
    {
        _socket = socket;
        _loop = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            while (true)
            {
                try { await _socket.ReceiveAsync(buffer); }
                catch (Exception) { return; }
                Interlocked.Increment(ref _datagrams);
            }
        });
    }

    public int Datagrams => Volatile.Read(ref _datagrams);

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        try { await _loop; } catch (Exception) { }
    }
}
