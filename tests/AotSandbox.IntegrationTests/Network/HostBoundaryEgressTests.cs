using System.Net;
using AotSandbox.Emulator.Network;

namespace AotSandbox.IntegrationTests.Network;

/// <summary>
/// Issue 12 items 9 and 10 end to end through the real proxy: the host's own public addresses are not upstreams, and
/// the most specific policy entry decides. Clients run in a sandbox netns as an unprivileged uid; outcomes are
/// asserted at the receiving servers.
/// </summary>
[Collection("network")]
public sealed class HostBoundaryEgressTests : IAsyncLifetime
{
    private NetworkLab _lab = null!;
    private RecordingServer _hostService = null!;
    private RecordingServer _control = null!;
    private RecordingServer _xcom = null!;

    public async Task InitializeAsync()
    {
        _lab = await NetworkLab.CreateAsync(o =>
        {
            o.EgressResolve.Add(EgressResolveOverride.Parse("hostsvc.test=203.0.113.7:8099"));
            o.EgressResolve.Add(EgressResolveOverride.Parse("ctl.test=198.51.100.11:80"));
            o.EgressResolve.Add(EgressResolveOverride.Parse("api.x.test=198.51.100.10:80"));
            o.EgressResolve.Add(EgressResolveOverride.Parse("www.x.test=198.51.100.10:80"));
        });
        try
        {
            await AddHostServiceAndUpstreamsAsync();
        }
        catch
        {
            // Namespaces must not outlive a failed set-up, whether or not xunit then calls DisposeAsync.
            NetworkLab lab = _lab;
            _lab = null!;
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task AddHostServiceAndUpstreamsAsync()
    {
        // A public-looking (TEST-NET-3) address on the uplink interface of the namespace the proxy dials from — i.e.
        // one of "the host's" own interface addresses — and a host service listening on 0.0.0.0 there. (A dummy
        // interface would do as well, but this kernel has no dummy driver.)
        await NetworkLab.Sh($"ip netns exec {_lab.DialNetns} ip addr add 203.0.113.7/32 dev {_lab.DialLink}");
        _hostService = await _lab.ListenAsync(IPEndPoint.Parse("0.0.0.0:8099"), netnsPath: _lab.DialNetnsPath);
        _control = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.11:80"));
        _xcom = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.10:80"));
    }

    public async Task DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync();
        }
    }

    [Fact]
    public async Task Item9_AllowedNameResolvingToAHostInterfaceAddress_IsRefused()
    {
        LabSandbox sb = await _lab.AddSandboxAsync("""[{"host":"hostsvc.test","port":8099},{"host":"ctl.test","port":80}]""");

        // Control: an allowed upstream one hop away is reached, so a refusal below is the guard, not a broken lab.
        Assert.Equal("200", (await sb.CurlAsync("http://ctl.test/ok")).Out);
        // Reachable from the dial namespace: what the proxy would hit without the guard.
        var direct = await NetworkLab.Sh($"ip netns exec {_lab.DialNetns} curl -sS --max-time 3 -o /dev/null -w '%{{http_code}}' http://203.0.113.7:8099/direct", check: false);
        Assert.Equal("200", direct.Out);
        int before = _hostService.Connections;

        var denied = await sb.RunAsync("curl -sS --max-time 5 -D - -o /dev/null http://hostsvc.test:8099/secret");
        Assert.Contains("403", denied.Out, StringComparison.Ordinal);
        Assert.Contains("address of this host", denied.Out, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Equal(before, _hostService.Connections);
        Assert.DoesNotContain(_hostService.Requests, r => r.Contains("/secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Item10_EarlierL4Wildcard_DoesNotDisableLaterL7Entry()
    {
        LabSandbox sb = await _lab.AddSandboxAsync("""
            [{"host":"*.x.test","port":80},
             {"host":"api.x.test","port":80,"rules":[{"methods":["GET"],"pathPattern":"/ok/**"}]}]
            """);
        Assert.Equal("403", (await sb.CurlAsync("http://api.x.test/admin")).Out);
        Assert.Equal("200", (await sb.CurlAsync("http://api.x.test/ok/1")).Out);
        Assert.Equal("200", (await sb.CurlAsync("http://www.x.test/admin")).Out); // other names: the L4 wildcard
        await Task.Delay(200);
        Assert.Equal(["GET /ok/1 api.x.test", "GET /admin www.x.test"], _xcom.Requests.ToArray());
    }
}
