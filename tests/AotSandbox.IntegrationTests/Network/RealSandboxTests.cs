using System.Net;
using System.Net.Sockets;
using System.Text;
using AotSandbox.Emulator.Network;
using AotSandbox.Emulator.Runtime;
using AotSandbox.IntegrationTests.Runtime;
using AotSandbox.IntegrationTests.Security;

namespace AotSandbox.IntegrationTests.Network;

/// <summary>
/// End to end with the real runtime: a bubblewrap sandbox (own user namespace, agent as PID 1) in the runtime's
/// host-owned netns, attached to the network service. Proves the seam and that sandbox code — with whatever
/// "root" its user namespace gives it — can neither reconfigure nor bypass the enforcement.
/// </summary>
[Collection("network")]
public sealed class RealSandboxTests : IAsyncLifetime
{
    private static readonly BubblewrapRuntimeOptions Options = new()
    {
        StateRoot = "/run/aotsandbox-nettests",
        CgroupParent = "aotsandbox-nettests",
        NetnsPrefix = "aotsbn-",
        UidBase = 270000,
        UidCount = 16,
    };

    private NetworkLab _lab = null!;
    private BubblewrapRuntime _runtime = null!;
    private ISandboxInstance _sandbox = null!;
    private SandboxNetworkAttachment _attachment = null!;
    private RecordingServer _allowed = null!;
    private RecordingServer _literal = null!;
    private RecordingServer _api = null!;

    public async Task InitializeAsync()
    {
        _lab = await NetworkLab.CreateAsync(o =>
        {
            o.EgressResolve.Add(EgressResolveOverride.Parse("allowed.test=198.51.100.10:80"));
            o.EgressResolve.Add(EgressResolveOverride.Parse("api.test=198.51.100.12:443"));
        });
        _allowed = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.10:80"));
        _literal = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.20:80"));
        _api = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.12:443"), tls: _lab.Certificates.Leaf("api.test"));
        _runtime = new BubblewrapRuntime(Options);
        _runtime.CheckPrerequisites();
        await _runtime.SweepLeftoversAsync(CancellationToken.None);
        var spec = new SandboxSpec("sb-" + Guid.NewGuid().ToString("N"), RuntimeFixture.SmallLimits, _lab.Service.SandboxSetup.Environment)
        {
            PrepareNetwork = _lab.Service.PrepareNamespaceAsync,
        };
        _sandbox = await _runtime.StartAsync(spec, CancellationToken.None);
        _attachment = await _lab.Service.AttachAsync(_sandbox.Id, _sandbox.NetworkNamespacePath, EgressPolicyParser.Parse("""
            [{"host":"allowed.test","port":80},
             {"host":"api.test","port":443,"rules":[{"methods":["GET"],"pathPattern":"/repos/**"}]}]
            """), [8080], CancellationToken.None);
        // The runtime does not bind the network layer's files yet (lead wires SandboxSetup.Files): copy the bundle in.
        await _sandbox.WriteFileAsync("ca.pem", await File.ReadAllBytesAsync(_lab.Service.CaBundlePath), 0, truncate: true, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        try { await _lab.Service.DetachAsync(_sandbox.Id); } catch (Exception) { }
        try { await _runtime.DisposeAsync(); } catch (Exception) { }
        await _lab.DisposeAsync();
    }

    private Task<(int Exit, string Stdout, string Stderr)> Run(string command) => _sandbox.RunAsync(command);

    [Fact]
    public async Task RealSandbox_EgressEnforced_AndNotReconfigurable()
    {
        Assert.Equal("200", (await Run("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' http://allowed.test/ok")).Stdout);
        Assert.Equal("403", (await Run("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' http://198.51.100.20/")).Stdout);
        Assert.Equal("200", (await Run("curl -sS --max-time 5 --cacert ca.pem -o /dev/null -w '%{http_code}' https://api.test/repos/x")).Stdout);
        Assert.Equal("403", (await Run("curl -sS --max-time 5 --cacert ca.pem -o /dev/null -w '%{http_code}' https://api.test/admin")).Stdout);
        Assert.Equal("SSL_CERT_FILE=/etc/aotsandbox/ca-bundle.pem", (await Run("env | grep ^SSL_CERT_FILE=")).Stdout.Trim());

        // Whatever the sandbox's user namespace grants, the host-owned netns refuses changes.
        // Each change reaches the kernel and is refused there (netlink EPERM, root-owned /proc/sys file EACCES).
        foreach (string tamper in new[] { "ip route del default", "nft flush ruleset", "ip link add x type veth peer name y" })
        {
            (await _sandbox.ProbeAsync(tamper)).AssertRefused("EPERM");
        }

        (await _sandbox.ProbeAsync("echo 0 > /proc/sys/net/ipv4/conf/lo/route_localnet")).AssertRefused("EACCES");
        Assert.Equal("403", (await Run("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' http://198.51.100.20/")).Stdout);
        Assert.Equal("200", (await Run("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' http://allowed.test/again")).Stdout);

        await Task.Delay(200);
        Assert.Equal(0, _literal.Connections);
        Assert.Equal(["GET /ok allowed.test", "GET /again allowed.test"], _allowed.Requests.ToArray());
        Assert.Equal(["GET /repos/x api.test"], _api.Requests.ToArray());
    }

    [Fact]
    public async Task RealSandbox_PreviewReachesDeclaredPort()
    {
        var sink = new CollectingSink();
        await _sandbox.SpawnAsync("exec timeout 20 python3 -c \"import http.server as h; h.HTTPServer(('127.0.0.1', 8080), h.SimpleHTTPRequestHandler).serve_forever()\"", sink, CancellationToken.None);
        string host = new Uri(_attachment.PreviewUrls[8080]).Authority;
        string response = "";
        for (int i = 0; i < 50 && !response.StartsWith("HTTP/1.0 200", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            using var client = new TcpClient();
            await client.ConnectAsync(_lab.Service.PreviewEndpoint);
            NetworkStream s = client.GetStream();
            await s.WriteAsync(Encoding.ASCII.GetBytes($"GET /ca.pem HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
            var buffer = new MemoryStream();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try { await s.CopyToAsync(buffer, cts.Token); } catch (OperationCanceledException) { } catch (IOException) { }
            response = Encoding.ASCII.GetString(buffer.ToArray());
        }
        Assert.StartsWith("HTTP/1.0 200", response, StringComparison.Ordinal);
        Assert.Contains("BEGIN CERTIFICATE", response, StringComparison.Ordinal);
    }
}
