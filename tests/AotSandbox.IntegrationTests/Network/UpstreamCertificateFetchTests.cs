using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using AotSandbox.Emulator.Network;

namespace AotSandbox.IntegrationTests.Network;

/// <summary>
/// The root emulator verifies upstream certificates from the host's network, so it must never fetch what a
/// certificate names (AIA "CA Issuers", OCSP, CRL): any upstream a policy allows could otherwise make root send an
/// HTTP GET to an address of its choosing, outside every sandbox's egress policy. The URLs point at a recorder on
/// the host's loopback: the place the proxy's own fetches (made by this process, in the host network) would reach.
/// </summary>
[Collection("network")]
public sealed class UpstreamCertificateFetchTests : IAsyncLifetime
{
    private const string Policy = """
        [{"host":"partial.test","port":443,"rules":[{"methods":["GET"],"pathPattern":"/**"}]},
         {"host":"full.test","port":443,"rules":[{"methods":["GET"],"pathPattern":"/**"}]}]
        """;

    private NetworkLab _lab = null!;
    private RecordingServer _fetchRecorder = null!;
    private RecordingServer _partial = null!;
    private RecordingServer _full = null!;
    private LabSandbox _sb = null!;

    public async Task InitializeAsync()
    {
        _lab = await NetworkLab.CreateAsync(o =>
        {
            o.EgressResolve.Add(EgressResolveOverride.Parse("partial.test=198.51.100.12:443"));
            o.EgressResolve.Add(EgressResolveOverride.Parse("full.test=198.51.100.13:443"));
        });
        try
        {
            var recorderSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            recorderSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            recorderSocket.Listen(16);
            _fetchRecorder = new RecordingServer(recorderSocket, http: true, tls: null);
            string fetchBase = $"http://127.0.0.1:{_fetchRecorder.Port}";

            // partial.test sends its leaf alone: its issuer is only reachable through the leaf's AIA URL.
            (X509Certificate2 partialLeaf, _) = _lab.Certificates.LeafViaIntermediate("partial.test", fetchBase);
            _partial = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.12:443"), tls: partialLeaf);
            (X509Certificate2 fullLeaf, X509Certificate2 fullIntermediate) = _lab.Certificates.LeafViaIntermediate("full.test", fetchBase);
            _full = await _lab.ListenAsync(IPEndPoint.Parse("198.51.100.13:443"), tls: fullLeaf, intermediates: [fullIntermediate]);
            _sb = await _lab.AddSandboxAsync(Policy);
        }
        catch
        {
            await _fetchRecorder.DisposeAsync();
            await _lab.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _fetchRecorder.DisposeAsync();
        await _lab.DisposeAsync();
    }

    [Fact]
    public async Task UpstreamWithoutItsIntermediate_IsRefused_AndNothingItsCertificateNamesIsFetched()
    {
        var r = await _sb.RunAsync($"curl -sS --max-time 20 --cacert {_sb.CaBundle} -D - -o /dev/null https://partial.test/x", timeoutMs: 30_000);
        await Task.Delay(300);

        Assert.Empty(_fetchRecorder.Requests);
        Assert.Equal(0, _fetchRecorder.Connections);
        Assert.StartsWith("HTTP/1.1 502", r.Out, StringComparison.Ordinal);
        Assert.Contains("X-AotSandbox-Denied: upstream partial.test:443 certificate could not be verified", r.Out, StringComparison.Ordinal);
        Assert.Empty(_partial.Requests);
    }

    [Fact]
    public async Task UpstreamSendingItsFullChain_StillWorks_WithoutAnyFetch()
    {
        Assert.Equal("200", (await _sb.CurlAsync("https://full.test/ok")).Out);
        Assert.Equal(["GET /ok full.test"], _full.Requests.ToArray());
        Assert.Equal(0, _fetchRecorder.Connections);
    }
}
