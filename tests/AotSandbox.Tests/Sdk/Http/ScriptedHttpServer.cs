using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AotSandbox.Tests.Sdk.Http;

/// <summary>
/// A loopback TCP server that answers each HTTP request with scripted raw bytes: the shapes a real service (or a
/// hostile one) may send that Kestrel never would. Counts connections, so keep-alive reuse is observable.
/// </summary>
internal sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, string, byte[]?> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;
    private int _requests;

    /// <param name="respond">Request number (from 0) and head → raw response bytes; null closes the connection without answering.</param>
    public ScriptedHttpServer(Func<int, string, byte[]?> respond)
    {
        _respond = respond;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int Connections => Volatile.Read(ref _connections);

    public List<string> Heads { get; } = [];

    /// <summary>Keep the connection open after answering (false: close after every response).</summary>
    public bool KeepOpen { get; init; } = true;

    public static byte[] Raw(string text) => Encoding.Latin1.GetBytes(text);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            byte[] buffer = new byte[64 * 1024];
            int filled = 0;
            try
            {
                while (true)
                {
                    int end;
                    while ((end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
                    {
                        int read = await client.ReceiveAsync(buffer.AsMemory(filled), _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        filled += read;
                    }

                    string head = Encoding.Latin1.GetString(buffer, 0, end);
                    int length = 0;
                    foreach (string line in head.Split("\r\n"))
                    {
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        {
                            length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }

                    while (filled < end + 4 + length)
                    {
                        filled += await client.ReceiveAsync(buffer.AsMemory(filled), _stop.Token);
                    }

                    buffer.AsSpan(end + 4 + length, filled - end - 4 - length).CopyTo(buffer);
                    filled -= end + 4 + length;
                    int number;
                    lock (Heads)
                    {
                        Heads.Add(head);
                        number = _requests++;
                    }

                    byte[]? response = _respond(number, head);
                    if (response is null)
                    {
                        return;
                    }

                    await client.SendAsync(response, _stop.Token);
                    if (!KeepOpen)
                    {
                        client.Shutdown(SocketShutdown.Both);
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
