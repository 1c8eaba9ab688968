using System.Net;

namespace AotSandbox.IntegrationTests.Network;

/// <summary>
/// Battery L (L7 rules) and D3: TLS terminated with the emulator CA, every request checked, the upstream verified.
/// The recording upstream must only ever see the allowed requests.
/// </summary>
[Collection("network")]
public sealed class L7RuleTests : IAsyncLifetime
{
    private const string Policy = """
        [{"host":"api.test","port":443,"rules":[{"methods":["GET","HEAD"],"pathPattern":"/repos/**"}]},
         {"host":"rogue.test","port":443,"rules":[{"methods":["GET"],"pathPattern":"/**"}]},
         {"host":"plain.test","port":80,"rules":[{"methods":["GET"],"pathPattern":"/repos/**"}]}]
        """;

    private NetworkLab _lab = null!;
    private RecordingServer _api = null!;
    private RecordingServer _rogue = null!;
    private RecordingServer _plain = null!;
    private LabSandbox _sb = null!;

    public async Task InitializeAsync()
    {
        _lab = await NetworkLab.CreateAsync(o =>
        {
            o.EgressResolve.Add(AotSandbox.Emulator.Network.EgressResolveOverride.Parse("api.test=198.51.100.12:443"));
            o.EgressResolve.Add(AotSandbox.Emulator.Network.EgressResolveOverride.Parse("rogue.test=198.51.100.13:443"));
            o.EgressResolve.Add(AotSandbox.Emulator.Network.EgressResolveOverride.Parse("plain.test=198.51.100.11:80"));
        });
        _api = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.12:443"), tls: _lab.Certificates.Leaf("api.test"));
        _rogue = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.13:443"), tls: _lab.Certificates.Leaf("rogue.test", rogue: true));
        _plain = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.11:80"));
        _sb = await _lab.AddSandboxAsync(Policy);
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    /// <summary>Python prelude: a TLS client trusting only the sandbox bundle, and a raw exchange helper.</summary>
    private string Tls(string body) => $$"""
        import re, socket, ssl
        ctx = ssl.create_default_context(cafile='{{_sb.CaBundle}}')
        def exchange(raw, host='api.test'):
            s = socket.create_connection((host, 443), timeout=3)
            t = ctx.wrap_socket(s, server_hostname=host)
            t.sendall(raw); out = b''
            try:
                while True:
                    d = t.recv(65536)
                    if not d: break
                    out += d
            except Exception:
                pass
            return out
        def status(raw, host='api.test'):
            out = exchange(raw, host)
            return [m.decode() for m in re.findall(rb'HTTP/1\.1 (\d{3}) ', out)]
        {{body}}
        """;

    private static string Get(string target, string host = "api.test", string extra = "") =>
        $"b'GET {target} HTTP/1.1\\r\\nHost: {host}\\r\\n{extra}Connection: close\\r\\n\\r\\n'";

    [Fact]
    public async Task L1_MethodAndPath_OnlyAllowedReachUpstream()
    {
        Assert.Equal("200", (await _sb.CurlAsync("https://api.test/repos/a/b")).Out);
        Assert.Equal("403", (await _sb.CurlAsync("-X POST -d x https://api.test/repos/a")).Out);
        Assert.Equal("403", (await _sb.CurlAsync("https://api.test/admin")).Out);
        Assert.Equal("403", (await _sb.CurlAsync("-X DELETE https://api.test/repos/a")).Out);
        var header = await _sb.RunAsync($"curl -sS --max-time 5 --cacert {_sb.CaBundle} -D - -o /dev/null https://api.test/admin");
        Assert.Contains("X-AotSandbox-Denied: GET /admin is not allowed", header.Out, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Equal(["GET /repos/a/b api.test"], _api.Requests.ToArray());
    }

    [Fact]
    public async Task L2_PathTricks_NeverReachDeniedResource()
    {
        string[] targets = ["/repos/../admin", "/repos/%2e%2e/admin", "/repos%2f..%2fadmin", "//admin", "/REPOS/x", "/repos;x/..", "/repos/./../admin"];
        foreach (string t in targets)
        {
            Assert.NotEqual("200", (await _sb.CurlAsync($"--path-as-is 'https://api.test{t}'")).Out);
        }
        var backslash = await _sb.PythonAsync(Tls($"print(status({Get("\\\\\\\\repos")}))"));
        Assert.Contains("400", backslash.Out, StringComparison.Ordinal);
        Assert.Equal("200", (await _sb.CurlAsync("'https://api.test/repos/x?path=../../admin'")).Out);
        await Task.Delay(200);
        Assert.Equal(["GET /repos/x?path=../../admin api.test"], _api.Requests.ToArray());
    }

    [Fact]
    public async Task L3_Pipelining_SecondRequestChecked()
    {
        var r = await _sb.PythonAsync(Tls("""
            print(status(b'GET /repos/ok HTTP/1.1\r\nHost: api.test\r\n\r\nPOST /admin HTTP/1.1\r\nHost: api.test\r\nContent-Length: 0\r\n\r\nGET /repos/after HTTP/1.1\r\nHost: api.test\r\n\r\n'))
            """));
        Assert.Contains("['200', '403']", r.Out, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Equal(["GET /repos/ok api.test"], _api.Requests.ToArray());
    }

    [Fact]
    public async Task L4_Smuggling_Refused()
    {
        var r = await _sb.PythonAsync(Tls("""
            print(status(b'POST /repos/a HTTP/1.1\r\nHost: api.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'))
            print(status(b'GET /repos/a HTTP/1.1\r\nHost: api.test\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n'))
            print(status(b'GET /repos/a HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n'))
            print(status(b'GET /repos/a HTTP/1.1\r\nHost: api.test\r\nX: a\r\n b\r\n\r\n'))
            print(status(b'GET /repos/a HTTP/1.1\nHost: api.test\n\n'))
            print(status(b'GET /repos/a HTTP/1.1\r\nHost: api.test\r\nContent-Length: 20\r\n\r\nGET /admin HTTP/1.1\r\n'))
            """));
        Assert.Equal(["['400']", "['400']", "['400']", "['400']", "['400']", "['400']"], r.Out.Trim().Split('\n'));
        await Task.Delay(200);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task L5_L6_FrontingUpgradeTraceConnect_Refused()
    {
        var r = await _sb.PythonAsync(Tls($$"""
            print(status({{Get("/repos/a", host: "denied.test")}}))
            print(status({{Get("http://denied.test/repos/a")}}))
            print(status({{Get("/repos/a", extra: "Upgrade: websocket\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n")}}))
            print(status({{Get("/repos/a", extra: "Upgrade: h2c\\r\\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\\r\\n")}}))
            print(status(b'TRACE /repos/a HTTP/1.1\r\nHost: api.test\r\n\r\n'))
            print(status(b'CONNECT denied.test:443 HTTP/1.1\r\nHost: denied.test:443\r\n\r\n'))
            """));
        Assert.Equal(["['421']", "['400']", "['403']", "['403']", "['405']", "['405']"], r.Out.Trim().Split('\n'));
        await Task.Delay(200);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task L8_UpstreamVerified_CaKeyAbsent_NoLeafForDeniedNames()
    {
        Assert.NotEqual("200", (await _sb.CurlAsync("https://rogue.test/")).Out);
        var denied = await _sb.PythonAsync(Tls("""
            try:
                exchange(b'GET / HTTP/1.1\r\nHost: denied.invalid\r\n\r\n', host='denied.invalid'); print('handshake-ok')
            except Exception as e:
                print('refused', type(e).__name__)
            """));
        Assert.DoesNotContain("handshake-ok", denied.Out, StringComparison.Ordinal);
        string bundle = await File.ReadAllTextAsync(_sb.CaBundle);
        Assert.DoesNotContain("PRIVATE KEY", bundle, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.GetDirectoryName(_sb.CaBundle)!, "*", SearchOption.AllDirectories),
            f => File.ReadAllText(f).Contains("PRIVATE KEY", StringComparison.Ordinal));
        await Task.Delay(200);
        Assert.Empty(_rogue.Requests);
    }

    [Fact]
    public async Task L7_Http2NotOffered_ClientFallsBackToCheckedHttp11()
    {
        var r = await _sb.RunAsync($"curl -sS --http2 --max-time 5 --cacert {_sb.CaBundle} -o /dev/null -w '%{{http_code}} %{{http_version}}' https://api.test/repos/h2");
        Assert.Equal("200 1.1", r.Out);
        Assert.Equal("403 1.1", (await _sb.RunAsync($"curl -sS --http2 --max-time 5 --cacert {_sb.CaBundle} -o /dev/null -w '%{{http_code}} %{{http_version}}' https://api.test/admin")).Out);
        await Task.Delay(200);
        Assert.Equal(["GET /repos/h2 api.test"], _api.Requests.ToArray());
    }

    [Fact]
    public async Task D3_DohPathBlockedByRule()
    {
        Assert.Equal("403", (await _sb.CurlAsync("'https://api.test/dns-query?dns=AAABAAABAAAAAAAAB2V4YW1wbGUEdGVzdAAAAQAB'")).Out);
        await Task.Delay(200);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task PlainHttpWithRules_CheckedWithoutTls()
    {
        Assert.Equal("200", (await _sb.CurlAsync("http://plain.test/repos/x")).Out);
        Assert.Equal("403", (await _sb.CurlAsync("http://plain.test/admin")).Out);
        // Plain HTTP is matched on Host: naming another host makes it a request to that host (api.test:80, not allowed).
        Assert.Equal("403", (await _sb.CurlAsync("-H 'Host: api.test' http://plain.test/repos/x")).Out);
        await Task.Delay(200);
        Assert.Equal(["GET /repos/x plain.test"], _plain.Requests.ToArray());
    }
}
