using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AotSandbox.Emulator.Network;

namespace AotSandbox.IntegrationTests.Network;

/// <summary>
/// A self-contained test topology (battery §6): a "sandbox" netns set up by the real SandboxNetworkService, and a
/// "lab internet" netns holding documentation-range addresses (198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24,
/// 2001:db8::/32) on its loopback device with recording sinks, and a "dial" netns the proxy dials its upstreams from,
/// joined to the lab netns by one veth pair and to nothing else, so even a regression cannot emit traffic off this
/// machine.
/// Everything is deleted on dispose, also after a failed test.
/// </summary>
internal sealed class NetworkLab : IAsyncDisposable
{
    public const int SandboxUid = 200123;
    private static readonly string[] LabAddresses = ["198.51.100.10/32", "198.51.100.11/32", "198.51.100.12/32", "198.51.100.13/32", "198.51.100.20/32", "203.0.113.66/32", "192.0.2.53/32", "169.254.169.254/32"];

    private readonly List<string> _namespaces = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private NetworkLab(string stateDirectory) => StateDirectory = stateDirectory;

    public string StateDirectory { get; }

    public string LabNetns => "aotsbtest-inet-" + _suffix;

    public string LabNetnsPath => "/run/netns/" + LabNetns;

    /// <summary>
    /// Where the proxy dials from: a netns joined to the lab netns by a veth pair only. The proxy refuses addresses
    /// local to the netns it dials from (issue 12 item 9), so the lab's servers must live one hop away, as on a host.
    /// </summary>
    public string DialNetns => "aotsbtest-dial-" + _suffix;

    public string DialNetnsPath => "/run/netns/" + DialNetns;

    /// <summary>The dial netns's end of the veth pair (its "uplink" interface).</summary>
    public string DialLink => "vd-" + _suffix;

    public SandboxNetworkService Service { get; private set; } = null!;

    public NetnsSocketFactory Sockets { get; } = new();

    public TestCertificates Certificates { get; } = new();

    /// <summary>Builds the lab netns and starts the service with <paramref name="configure"/> applied to test-safe options.</summary>
    public static async Task<NetworkLab> CreateAsync(Action<SandboxNetworkOptions>? configure = null)
    {
        string state = Path.Combine(Path.GetTempPath(), "aotsbtest-net-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        Directory.CreateDirectory(state);
        NetworkLab.Chmod(state, (UnixFileMode)0x1ED); // 0755: the unprivileged sandbox uid reads the CA bundle
        var lab = new NetworkLab(state);
        try
        {
            await lab.SetupLabAsync();
            string trust = Path.Combine(state, "upstream-ca.pem");
            await File.WriteAllTextAsync(trust, lab.Certificates.CaPem);
            var options = new SandboxNetworkOptions
            {
                StateDirectory = Path.Combine(state, "service"),
                EgressSystemDns = false,
                EgressUpstreamNetns = lab.DialNetnsPath,
            };
            options.EgressTrustCaFiles.Add(trust);
            configure?.Invoke(options);
            lab.Service = new SandboxNetworkService(options);
            await lab.Service.StartAsync(CancellationToken.None);
            NetworkLab.Chmod(options.StateDirectory, (UnixFileMode)0x1ED);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a sandbox netns, attaches it, and returns a handle to run commands in it as an unprivileged uid.</summary>
    public async Task<LabSandbox> AddSandboxAsync(string policyJson, params int[] ports)
    {
        string name = $"aotsbtest-sb{_namespaces.Count}-{_suffix}";
        await Sh($"ip netns add {name}");
        _namespaces.Add(name);
        await Service.PrepareNamespaceAsync("/run/netns/" + name, CancellationToken.None);
        SandboxNetworkAttachment attachment = await Service.AttachAsync(name, "/run/netns/" + name, EgressPolicyParser.Parse(policyJson), ports, CancellationToken.None);
        // `ip netns exec` bind-mounts /etc/netns/NAME/* over /etc: exactly what the runtime does with the attachment's files.
        string etc = "/etc/netns/" + name;
        Directory.CreateDirectory(etc);
        File.Copy(attachment.Files.Single(f => f.SandboxPath == "/etc/resolv.conf").HostPath, Path.Combine(etc, "resolv.conf"), overwrite: true);
        return new LabSandbox(this, name, attachment);
    }

    /// <summary>A recording TCP sink (optionally an HTTP server, optionally TLS) inside the lab netns.</summary>
    public async Task<RecordingServer> ListenAsync(IPEndPoint endpoint, bool http = true, X509Certificate2? tls = null, string? netnsPath = null, X509Certificate2Collection? intermediates = null)
    {
        Socket socket = await Sockets.CreateAsync(NetnsSocketFactory.OpenNamespace(netnsPath ?? LabNetnsPath), endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(endpoint);
        socket.Listen(64);
        var server = new RecordingServer(socket, http, tls, intermediates);
        _owned.Add(server);
        return server;
    }

    /// <summary>A UDP sink inside the lab netns counting datagrams.</summary>
    public async Task<UdpSink> ListenUdpAsync(IPEndPoint endpoint)
    {
        Socket socket = await Sockets.CreateAsync(NetnsSocketFactory.OpenNamespace(LabNetnsPath), endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(endpoint);
        var sink = new UdpSink(socket);
        _owned.Add(sink);
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        // Namespaces and files must go even when a step before fails.
        foreach (IAsyncDisposable d in _owned) { try { await d.DisposeAsync(); } catch (Exception) { } }
        try { if (Service is not null) { await Service.DisposeAsync(); } } catch (Exception) { }
        Sockets.Dispose();
        foreach (string ns in _namespaces)
        {
            // Processes this test started inside its namespaces (servers, clients) end with them.
            await Sh($"ip netns pids {ns} | xargs -r kill -9", check: false);
            await Sh($"ip netns del {ns}", check: false);
            try { Directory.Delete("/etc/netns/" + ns, recursive: true); } catch (DirectoryNotFoundException) { }
        }
        try { Directory.Delete(StateDirectory, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private async Task SetupLabAsync()
    {
        await Sh($"ip netns add {LabNetns}");
        _namespaces.Add(LabNetns);
        string adds = string.Join(" && ", LabAddresses.Select(a => $"ip addr add {a} dev lo"));
        await Sh($"ip netns exec {LabNetns} sh -c 'set -e; ip link set lo up; {adds}; ip -6 addr add 2001:db8::20/128 dev lo'");
        await Sh($"ip netns add {DialNetns}");
        _namespaces.Add(DialNetns);
        // Created directly inside the two namespaces: the pair never appears in the host's namespace. 10.255.255.0/30
        // is private, so even this link's own addresses are refused as upstreams.
        await Sh($"ip link add vd-{_suffix} netns {DialNetns} type veth peer name vl-{_suffix} netns {LabNetns}");
        await Sh($"ip netns exec {LabNetns} sh -c 'set -e; ip addr add 10.255.255.2/30 dev vl-{_suffix}; ip link set vl-{_suffix} up'");
        await Sh($"ip netns exec {DialNetns} sh -c 'set -e; ip link set lo up; ip addr add 10.255.255.1/30 dev vd-{_suffix}; " +
            $"ip link set vd-{_suffix} up; ip route add default via 10.255.255.2'");
    }

    public static void Chmod(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>Runs a host shell command (harness plumbing only; bounded).</summary>
    public static async Task<(int Code, string Out, string Err)> Sh(string command, bool check = true, int timeoutMs = 20_000)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using Process p = Process.Start(psi)!;
        Task<string> o = p.StandardOutput.ReadToEndAsync();
        Task<string> e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeoutMs);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException("timed out: " + command); }
        (string so, string se) = (await o, await e);
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{command}` failed ({p.ExitCode}): {se}");
        }

        return (p.ExitCode, so, se);
    }
}

/// <summary>One attached sandbox netns of a lab.</summary>
internal sealed class LabSandbox(NetworkLab lab, string netns, SandboxNetworkAttachment attachment)
{
    public string Netns { get; } = netns;

    public SandboxNetworkAttachment Attachment { get; } = attachment;

    public string CaBundle => lab.Service.CaBundlePath;

    /// <summary>
    /// Runs a shell command inside the sandbox netns as an unprivileged uid (like sandbox code). A command that never
    /// ran (missing tool, broken Python probe) fails the test: a denial test must not pass because curl was absent.
    /// </summary>
    public async Task<(int Code, string Out, string Err)> RunAsync(string shellCommand, int timeoutMs = 20_000)
    {
        var result = await NetworkLab.Sh($"ip netns exec {Netns} setpriv --reuid={NetworkLab.SandboxUid} --regid={NetworkLab.SandboxUid} --clear-groups -- /bin/sh -c {Quote(shellCommand)}", check: false, timeoutMs);
        AotSandbox.IntegrationTests.Security.Probe.Classify(shellCommand, result.Item1, result.Item2, result.Item3);
        return result;
    }

    /// <summary>Runs a Python program inside the sandbox (system python, readable by the sandbox uid).</summary>
    public Task<(int Code, string Out, string Err)> PythonAsync(string program, int timeoutMs = 20_000)
    {
        string file = Path.Combine(lab.StateDirectory, $"prog-{Guid.NewGuid():N}.py");
        File.WriteAllText(file, program);
        NetworkLab.Chmod(file, (UnixFileMode)0x1A4);
        return RunAsync($"/usr/bin/python3 {file}", timeoutMs);
    }

    /// <summary>curl with the sandbox's CA bundle and short timeouts; prints "CODE" (http status) on stdout.</summary>
    public Task<(int Code, string Out, string Err)> CurlAsync(string args) =>
        RunAsync($"curl -sS --max-time 5 --connect-timeout 3 --cacert {CaBundle} -o /dev/null -w '%{{http_code}}' {args}");

    internal static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>A CA for the lab's upstream servers (trusted by the proxy via EgressTrustCa) plus a rogue one (not trusted).</summary>
internal sealed class TestCertificates
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;

    public TestCertificates()
    {
        var req = new CertificateRequest("CN=Lab Upstream CA", _caKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        _ca = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public string CaPem => _ca.ExportCertificatePem();

    /// <summary>A leaf for <paramref name="name"/>, signed by the lab CA, or self-signed when <paramref name="rogue"/>.</summary>
    public X509Certificate2 Leaf(string name, bool rogue = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        if (rogue)
        {
            return req.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        }

        using X509Certificate2 pub = req.Create(_ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        return pub.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// A leaf for <paramref name="name"/> issued by a new intermediate of the lab CA. The leaf names
    /// <paramref name="fetchBaseUrl"/> as where to download its issuer (AIA "CA Issuers"), its OCSP responder and its
    /// CRL, like a public certificate does; a verifier that follows those URLs is seen at that address.
    /// </summary>
    public (X509Certificate2 Leaf, X509Certificate2 Intermediate) LeafViaIntermediate(string name, string fetchBaseUrl)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ireq = new CertificateRequest("CN=Lab Intermediate CA", intermediateKey, HashAlgorithmName.SHA256);
        ireq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        ireq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        ireq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(ireq.PublicKey, false));
        using X509Certificate2 intermediatePublic = ireq.Create(_ca, now.AddDays(-1), now.AddDays(2), RandomNumberGenerator.GetBytes(8));
        X509Certificate2 intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(intermediate, true, false));
        req.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([fetchBaseUrl + "/ocsp"], [fetchBaseUrl + "/aia/issuer.cer"]));
        req.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([fetchBaseUrl + "/crl/issuer.crl"]));
        using X509Certificate2 pub = req.Create(intermediate, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        X509Certificate2 leaf = pub.CopyWithPrivateKey(key);
        // The intermediate is handed out without its key: servers send it, nothing signs with it any more.
        X509Certificate2 intermediateOnly = X509CertificateLoader.LoadCertificate(intermediate.RawData);
        intermediate.Dispose();
        return (leaf, intermediateOnly);
    }
}
