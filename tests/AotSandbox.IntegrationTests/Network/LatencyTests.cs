using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Network;

/// <summary>
/// Measures what the egress path costs: TCP connect + one HTTP exchange from the sandbox through the proxy versus the
/// same from the lab netns directly, and how long AttachAsync takes. Loose bounds only (shared 2-core machine); the
/// figures go to the test output.
/// </summary>
[Collection("network")]
public sealed class LatencyTests(ITestOutputHelper output)
{
    private const string Probe = """
        import socket, time, sys
        host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            s = socket.create_connection((host, port), timeout=3)
            s.sendall(b'GET /t HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n')
            while s.recv(4096): pass
            s.close()
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        print('%.2f %.2f' % (times[len(times) // 2], times[int(len(times) * 0.9)]))
        """;

    private const string TlsProbe = """
        import socket, ssl, time, sys
        host, port, n, ca = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        ctx = ssl.create_default_context(cafile=ca)
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            s = ctx.wrap_socket(socket.create_connection((host, port), timeout=3), server_hostname='api.test')
            s.sendall(b'GET /repos/t HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n')
            try:
                while s.recv(4096): pass
            except ssl.SSLError:
                pass
            s.close()
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        print('%.2f %.2f' % (times[len(times) // 2], times[int(len(times) * 0.9)]))
        """;

    [Fact]
    public async Task InspectedTls_HandshakesAndExchange_Measured()
    {
        await using NetworkLab lab = await NetworkLab.CreateAsync(o => o.EgressResolve.Add(AotSandbox.Emulator.Network.EgressResolveOverride.Parse("api.test=198.51.100.12:443")));
        await using RecordingServer upstream = await lab.ListenAsync(IPEndPoint.Parse("198.51.100.12:443"), tls: lab.Certificates.Leaf("api.test"));
        LabSandbox sb = await lab.AddSandboxAsync("""[{"host":"api.test","port":443,"rules":[{"methods":["GET"],"pathPattern":"/repos/**"}]}]""");
        string file = Path.Combine(lab.StateDirectory, "tls-latency.py");
        string labCa = Path.Combine(lab.StateDirectory, "upstream-ca.pem");
        await File.WriteAllTextAsync(file, TlsProbe);
        NetworkLab.Chmod(file, (UnixFileMode)0x1A4);
        var direct = await NetworkLab.Sh($"ip netns exec {lab.LabNetns} /usr/bin/python3 {file} 198.51.100.12 443 30 {labCa}");
        var proxied = await sb.RunAsync($"/usr/bin/python3 {file} api.test 443 30 {sb.CaBundle}");
        output.WriteLine($"TLS direct            p50/p90 ms: {direct.Out.Trim()} {direct.Err}");
        output.WriteLine($"TLS inspected (2 TLS) p50/p90 ms: {proxied.Out.Trim()} {proxied.Err}");
        Assert.Equal(60, upstream.Requests.Count);
    }

    [Fact]
    public async Task EgressProxy_ConnectAndExchange_AddsLittleLatency()
    {
        await using NetworkLab lab = await NetworkLab.CreateAsync(o => o.EgressResolve.Add(AotSandbox.Emulator.Network.EgressResolveOverride.Parse("allowed.test=198.51.100.10:80")));
        await using RecordingServer upstream = await lab.ListenAsync(IPEndPoint.Parse("198.51.100.10:80"));
        var sw = Stopwatch.StartNew();
        LabSandbox sb = await lab.AddSandboxAsync("""[{"host":"allowed.test","port":80}]""");
        long attachMs = sw.ElapsedMilliseconds;
        string file = Path.Combine(lab.StateDirectory, "latency.py");
        await File.WriteAllTextAsync(file, Probe);
        NetworkLab.Chmod(file, (UnixFileMode)0x1A4);
        var direct = await NetworkLab.Sh($"ip netns exec {lab.LabNetns} /usr/bin/python3 {file} 198.51.100.10 80 40");
        var proxied = await sb.RunAsync($"/usr/bin/python3 {file} allowed.test 80 40");
        output.WriteLine($"attach: {attachMs} ms");
        output.WriteLine($"direct  p50/p90 ms: {direct.Out.Trim()}");
        output.WriteLine($"proxied p50/p90 ms: {proxied.Out.Trim()} {proxied.Err}");
        double p50 = double.Parse(proxied.Out.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(p50 < 100, $"proxied p50 {p50} ms");
        Assert.Equal(80, upstream.Requests.Count);
    }
}
