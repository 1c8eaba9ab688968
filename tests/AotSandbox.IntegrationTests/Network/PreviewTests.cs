using System.Net.Sockets;
using System.Text;

namespace AotSandbox.IntegrationTests.Network;

/// <summary>
/// Battery I (inbound / preview URLs): routing only on the strict preview host, only to declared ports, only into the
/// sandbox that owns the token; refusals are asserted at the in-sandbox listeners.
/// </summary>
[Collection("network")]
public sealed class PreviewTests : IAsyncLifetime
{
    private NetworkLab _lab = null!;
    private LabSandbox _a = null!;
    private LabSandbox _b = null!;
    private readonly List<Task<(int Code, string Out, string Err)>> _servers = [];

    /// <summary>An HTTP server on 127.0.0.1:port that answers "NAME port path" and logs every accept to stdout.</summary>
    private static string Server(string name, int port, bool upgrade = false) => $$"""
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', {{port}})); s.listen(); s.settimeout(25)
        while True:
            try: c, _ = s.accept()
            except Exception: break
            print('ACCEPT', flush=True)
            c.settimeout(5)
            try:
                d = b''
                while b'\r\n\r\n' not in d:
                    x = c.recv(4096)
                    if not x: break
                    d += x
                path = d.split(b' ')[1].decode() if d else ''
                if {{(upgrade ? "True" : "False")}}:
                    c.sendall(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
                    while True:
                        x = c.recv(4096)
                        if not x: break
                        c.sendall(x.upper())
                else:
                    body = ('{{name}} {{port}} ' + path + '\n').encode()
                    c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' % len(body) + body)
            except Exception:
                pass
            c.close()
        """;

    public async Task InitializeAsync()
    {
        _lab = await NetworkLab.CreateAsync();
        _a = await _lab.AddSandboxAsync("[]", 8080, 9000);
        _b = await _lab.AddSandboxAsync("[]", 8080);
        _servers.Add(_a.PythonAsync(Server("A", 8080), 30_000));
        _servers.Add(_a.PythonAsync(Server("A", 8081), 30_000));
        _servers.Add(_a.PythonAsync(Server("A", 9000, upgrade: true), 30_000));
        _servers.Add(_b.PythonAsync(Server("B", 8080), 30_000));
        for (int i = 0; i < 150 && !(await SendAsync(Request(HostOf(_b, 8080)))).Contains("B 8080", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        for (int i = 0; i < 150 && !(await SendAsync(Request(HostOf(_a, 8080)))).Contains("A 8080", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private static string HostOf(LabSandbox sb, int port) => new Uri(sb.Attachment.PreviewUrls[port]).Authority;

    private static string Request(string host, string target = "/x", string method = "GET", string extra = "") =>
        $"{method} {target} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n";

    private async Task<string> SendAsync(string raw)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_lab.Service.PreviewEndpoint);
        NetworkStream s = client.GetStream();
        await s.WriteAsync(Encoding.ASCII.GetBytes(raw));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var buffer = new MemoryStream();
        try { await s.CopyToAsync(buffer, cts.Token); } catch (OperationCanceledException) { } catch (IOException) { }
        return Encoding.ASCII.GetString(buffer.ToArray());
    }

    [Fact]
    public async Task PreviewUrl_ReachesDeclaredPort_ShapeAndTokenStrength()
    {
        string url = _a.Attachment.PreviewUrls[8080];
        Assert.Matches(@"^http://p8080-[0-9a-f]{32}\.preview\.localhost:\d+$", url);
        Assert.NotEqual(HostOf(_a, 8080)[6..], HostOf(_a, 9000)[6..]); // per port tokens
        string response = await SendAsync(Request(HostOf(_a, 8080), "/hello"));
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.EndsWith("A 8080 /hello\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task I1_I2_I3_UndeclaredUnknownForeign_Same404_NothingOpened()
    {
        string tokenA = HostOf(_a, 8080).Split('.')[0][6..];
        string port = HostOf(_a, 8080).Split(':')[1];
        string[] hosts =
        [
            $"p8081-{tokenA}.preview.localhost:{port}",                   // undeclared port, valid token
            $"p9000-{tokenA}.preview.localhost:{port}",                   // declared port, token of another port
            $"p8080-{new string('0', 32)}.preview.localhost:{port}",      // unknown token
            $"p8080-{tokenA}.preview.localhost.evil.test:{port}",         // suffix trick
            $"x.p8080-{tokenA}.preview.localhost:{port}",                 // prefix trick
            $"127.0.0.1:{port}",                                          // no preview host at all
        ];
        var bodies = new HashSet<string>();
        foreach (string h in hosts)
        {
            string r = await SendAsync(Request(h));
            Assert.StartsWith("HTTP/1.1 404", r, StringComparison.Ordinal);
            bodies.Add(r);
        }
        Assert.Single(bodies); // indistinguishable
        // B's token reaches B, never A, whatever X-Forwarded-Host says.
        string viaB = await SendAsync(Request(HostOf(_b, 8080), extra: $"X-Forwarded-Host: {HostOf(_a, 8080)}\r\n"));
        Assert.EndsWith("B 8080 /x\n", viaB, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", await SendAsync($"GET / HTTP/1.1\r\nHost: {HostOf(_a, 8080)}\r\nHost: {HostOf(_b, 8080)}\r\n\r\n"), StringComparison.Ordinal);
        await Task.Delay(300);
    }

    [Fact]
    public async Task I4_AbsoluteFormAndConnect_Refused()
    {
        string host = HostOf(_a, 8080);
        Assert.StartsWith("HTTP/1.1 400", await SendAsync(Request(host, target: $"http://127.0.0.1:{_lab.Service.PreviewEndpoint.Port}/")), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", await SendAsync(Request(host, target: "http://198.51.100.20/")), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 405", await SendAsync(Request(host, target: "198.51.100.20:80", method: "CONNECT")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task I5_LoopbackBoundServiceIsExposed_AndUpgradeStreams()
    {
        // Documented: a declared port is reached at the sandbox's 127.0.0.1, so loopback-bound servers are exposed.
        // InitializeAsync waits for the 8080 servers only: under load the 9000 one may still be starting (502).
        TcpClient client = null!;
        NetworkStream s = null!;
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        int n = 0;
        for (int attempt = 0; attempt < 50; attempt++)
        {
            client?.Dispose();
            client = new TcpClient();
            await client.ConnectAsync(_lab.Service.PreviewEndpoint);
            s = client.GetStream();
            await s.WriteAsync(Encoding.ASCII.GetBytes($"GET /ws HTTP/1.1\r\nHost: {HostOf(_a, 9000)}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
            n = await s.ReadAsync(buffer, cts.Token);
            if (!Encoding.ASCII.GetString(buffer, 0, n).StartsWith("HTTP/1.1 502", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100);
        }
        using TcpClient owned = client;
        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(buffer, 0, n), StringComparison.Ordinal);
        for (int i = 0; i < 3; i++)
        {
            await s.WriteAsync(Encoding.ASCII.GetBytes($"frame{i}"), cts.Token);
            n = await s.ReadAsync(buffer, cts.Token);
            Assert.Equal($"FRAME{i}", Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    [Fact]
    public async Task I1_UndeclaredPortListener_NeverAccepts()
    {
        string tokenA = HostOf(_a, 8080).Split('.')[0][6..];
        string port = HostOf(_a, 8080).Split(':')[1];
        for (int i = 0; i < 3; i++)
        {
            await SendAsync(Request($"p8081-{tokenA}.preview.localhost:{port}"));
        }

        await _lab.Service.DetachAsync(_a.Netns); // stops routes; lets the servers' accept time out sooner is not needed
        Assert.StartsWith("HTTP/1.1 404", await SendAsync(Request(HostOf(_a, 8080))), StringComparison.Ordinal);
        await NetworkLab.Sh($"ip netns pids {_a.Netns} | xargs -r kill");
        var undeclared = await _servers[1];
        Assert.DoesNotContain("ACCEPT", undeclared.Out, StringComparison.Ordinal);
    }
}
