using System.Net;
using System.Net.Sockets;
using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;
using AotSandbox.IntegrationTests.Network;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// The preview and network-policy examples of Adobe's Python SDK README through the SDK, on real sandboxes. The "internet" is two TLS
/// recording servers on loopback standing in for httpbin.org and api.github.com (EgressResolve + a test CA);
/// denials are asserted where it counts, at the receiving servers. Negative names use .invalid.
/// </summary>
public sealed class NetworkEndToEndTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();
    private RecordingServer _httpbin = null!;
    private RecordingServer _github = null!;
    private EmulatorServer _server = null!;
    private string _caFile = null!;

    public async Task InitializeAsync()
    {
        _httpbin = new RecordingServer(Listen(), http: true, _certificates.Leaf("httpbin.org"));
        _github = new RecordingServer(Listen(), http: true, _certificates.Leaf("api.github.com"));
        _caFile = Path.Combine(Path.GetTempPath(), $"aotsb-sdknet-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(_caFile, _certificates.CaPem);

        var runtimeOptions = new BubblewrapRuntimeOptions
        {
            StateRoot = "/run/aotsb-sdknet",
            CgroupParent = "aotsb-sdknet",
            NetnsPrefix = "sdkn-",
            UidBase = 611000,
            UidCount = 16,
        };
        var options = new EmulatorOptions
        {
            Namespace = "net-tests",
            RuntimeFactory = _ => new BubblewrapRuntime(runtimeOptions),
            EgressAllowPrivateUpstreams = true,
        };
        options.EgressResolve.Add($"httpbin.org=127.0.0.1:{_httpbin.Port}");
        options.EgressResolve.Add($"api.github.com=127.0.0.1:{_github.Port}");
        options.EgressTrustCaFiles.Add(_caFile);
        // Never ask the machine's resolver: a name without an override must fail inside the proxy, not leave.
        options.ConfigureNetwork = network => network.EgressSystemDns = false;
        _server = new EmulatorServer(options);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _httpbin.DisposeAsync();
        await _github.DisposeAsync();
        File.Delete(_caFile);
    }

    [Fact]
    public async Task Preview_ServerStartedWithShellAmpersand_IsReachableThroughGetUrl()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(Options("web-sandbox", ports: [3000, 8080]));
        try
        {
            await sandbox.WriteFileAsync("index.html", "hello from the sandbox\n");
            ExecResult started = await sandbox.Exec("python -m http.server 3000 > /dev/null 2>&1 &", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
            Assert.Equal(0, started.ExitCode);

            var url = new Uri(sandbox.GetUrl(3000));
            Assert.EndsWith(".preview.localhost", url.Host, StringComparison.Ordinal);
            string body = await FetchUntilAsync(url, "hello from the sandbox\n");
            Assert.Equal("hello from the sandbox\n", body);

            // Port 8080 is declared but nothing listens there; an undeclared port has no URL at all.
            using HttpResponseMessage empty = await LoopbackHttp().GetAsync(new Uri(sandbox.GetUrl(8080)));
            Assert.False(empty.IsSuccessStatusCode);
            Assert.Throws<SandboxPortNotProvisionedException>(() => sandbox.GetUrl(5000));
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }

    [Fact]
    public async Task Policy_ReadmeExample_AllowsListedHostsAndRules_DeniesEverythingElse()
    {
        SandboxCreateOptions options = Options("policy-sandbox");
        options.MaxLifetime = TimeSpan.FromMinutes(5);
        options.Policy = new SandboxPolicy
        {
            Network = NetworkPolicy.Allow(
                new EgressRule { Host = "httpbin.org", Port = 443 },
                new EgressRule { Host = "api.github.com", Port = 443, Rules = [new L7Rule { Methods = ["GET"], PathPattern = "/repos/**" }] }),
        };
        Sandbox sandbox = await Sandbox.CreateAsync(options);
        try
        {
            // python's urllib trusts the emulator CA (for inspected hosts) through SSL_CERT_FILE, which the sandbox gets by
            // default. Hosts without rules are relayed end to end, so their certificate is the test upstream's own: in
            // real life a public CA, here the test CA, which this sandbox is told to trust on top.
            await sandbox.WriteFileAsync("test-ca.pem", _certificates.CaPem);
            await sandbox.Exec("cat /etc/aotsandbox/ca-bundle.pem test-ca.pem > trust.pem", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
            ExecResult allowed = await Python(sandbox, "https://httpbin.org/get");
            ExecResult github = await Python(sandbox, "https://api.github.com/repos/adobe/aio-lib-sandbox");
            ExecResult wrongPath = await Python(sandbox, "https://api.github.com/user");
            ExecResult wrongMethod = await Python(sandbox, "https://api.github.com/repos/adobe/x", "POST");
            ExecResult unlisted = await Python(sandbox, "https://not-allowed.invalid/");

            Assert.Equal("200 ok /get", allowed.Stdout.Trim());
            Assert.Equal("200 ok /repos/adobe/aio-lib-sandbox", github.Stdout.Trim());
            Assert.StartsWith("403", wrongPath.Stdout.Trim(), StringComparison.Ordinal);
            Assert.StartsWith("403", wrongMethod.Stdout.Trim(), StringComparison.Ordinal);
            Assert.StartsWith("error", unlisted.Stdout.Trim(), StringComparison.Ordinal);

            // At the receiving side: exactly the allowed requests arrived, nothing denied.
            Assert.Equal(["GET /get httpbin.org"], _httpbin.Requests.ToArray());
            Assert.Equal(["GET /repos/adobe/aio-lib-sandbox api.github.com"], _github.Requests.ToArray());
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }

    [Fact]
    public async Task DefaultPolicy_DeniesAllEgress()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(Options("no-policy"));
        try
        {
            ExecResult result = await Python(sandbox, "https://httpbin.org/get");

            Assert.StartsWith("error", result.Stdout.Trim(), StringComparison.Ordinal);
            Assert.Empty(_httpbin.Requests);
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }

    private static Task<ExecResult> Python(Sandbox sandbox, string url, string method = "GET")
    {
        string script =
            "import sys, urllib.request, urllib.error\n" +
            "try:\n" +
            $"    r = urllib.request.urlopen(urllib.request.Request('{url}', method='{method}', data=b'' if '{method}' == 'POST' else None), timeout=10)\n" +
            "    print(r.status, r.read().decode().strip())\n" +
            "except urllib.error.HTTPError as e:\n" +
            "    print(e.code, e.headers.get('X-AotSandbox-Denied'))\n" +
            "except Exception as e:\n" +
            "    print('error', type(e).__name__, e)\n";
        return sandbox.Exec("[ -f trust.pem ] && export SSL_CERT_FILE=/workspace/trust.pem; python -", new ExecOptions { Stdin = script, Timeout = TimeSpan.FromSeconds(30) }).AsTask();
    }

    private SandboxCreateOptions Options(string name, int[]? ports = null) => new()
    {
        ApiHost = _server.ApiHost,
        Namespace = _server.Namespace,
        ApiKey = _server.ApiKey,
        Name = name,
        Size = SandboxSize.Small,
        Ports = ports,
    };

    private static Socket Listen()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(64);
        return socket;
    }

    /// <summary>An HttpClient that reaches *.localhost on loopback, as browsers and curl do, whatever the resolver says.</summary>
    private static HttpClient LoopbackHttp() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<string> FetchUntilAsync(Uri url, string expected)
    {
        using HttpClient http = LoopbackHttp();
        string last = "";
        for (int attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                last = await http.GetStringAsync(new Uri(url, "index.html"));
                if (last == expected)
                {
                    break;
                }
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            await Task.Delay(100);
        }

        return last;
    }
}
