using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AotSandbox.Emulator.Runtime;
using Microsoft.Win32.SafeHandles;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// The emulator's sandbox networking: one CA, one preview listener, and per attached sandbox an egress proxy and a
/// resolver whose listening sockets live inside that sandbox's network namespace (127.0.0.1:15001 and :53).
/// Lifecycle: <see cref="StartAsync"/> once; per sandbox <see cref="PrepareNamespaceAsync"/> after the runtime created
/// the netns and before the sandbox's first process starts (<see cref="SandboxSpec.PrepareNetwork"/>),
/// <see cref="AttachAsync"/> before its first command runs, <see cref="DetachAsync"/> before the netns is deleted.
/// </summary>
internal sealed class SandboxNetworkService : IAsyncDisposable
{
    /// <summary>Where the trust bundle appears inside every sandbox.</summary>
    public const string SandboxCaBundlePath = "/etc/aotsandbox/ca-bundle.pem";

    private readonly SandboxNetworkOptions _options;
    private readonly NetnsSocketFactory _sockets = new();
    private readonly ConcurrentDictionary<string, AttachedSandbox> _sandboxes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private EmulatorCertificateAuthority? _ca;
    private UpstreamCertificateVerifier? _verifier;
    private UpstreamDialer? _dialer;
    private SafeFileHandle? _upstreamNetns;
    private Socket? _previewListener;
    private PreviewProxy? _preview;
    private Task _previewLoop = Task.CompletedTask;
    private int _disposed;

    /// <summary>Creates the service; nothing is bound until <see cref="StartAsync"/>.</summary>
    public SandboxNetworkService(SandboxNetworkOptions options) => _options = options;

    /// <summary>The preview listener's address (after start).</summary>
    public IPEndPoint PreviewEndpoint => (IPEndPoint)(_previewListener?.LocalEndPoint ?? throw new InvalidOperationException("not started"));

    /// <summary>Host path of the trust bundle (emulator CA + host roots).</summary>
    public string CaBundlePath => Path.Combine(_options.StateDirectory, "ca-bundle.pem");

    /// <summary>Host path of the resolv.conf every sandbox gets (the resolver inside each sandbox is 127.0.0.1:53).</summary>
    public string ResolvConfPath => Path.Combine(_options.StateDirectory, "resolv.conf");

    /// <summary>
    /// What every sandbox needs from the network layer, known as soon as the service started and the same for all
    /// sandboxes, so the runtime can put it into the sandbox spec before the sandbox starts: CA trust variables and
    /// the read-only files to bind (trust bundle over the distro bundle path too, resolv.conf).
    /// </summary>
    public SandboxNetworkSetup SandboxSetup
    {
        get
        {
            if (_ca is null)
            {
                throw new InvalidOperationException("SandboxNetworkService not started");
            }

            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string name in (string[])["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "CARGO_HTTP_CAINFO", "PIP_CERT"])
            {
                env[name] = SandboxCaBundlePath;
            }

            return new SandboxNetworkSetup(env,
            [
                new SandboxNetworkFile(CaBundlePath, SandboxCaBundlePath),
                new SandboxNetworkFile(CaBundlePath, "/etc/ssl/certs/ca-certificates.crt"),
                new SandboxNetworkFile(ResolvConfPath, "/etc/resolv.conf"),
            ]);
        }
    }

    /// <summary>The emulator CA certificate (public), PEM.</summary>
    public string CaCertificatePem => (_ca ?? throw new InvalidOperationException("not started")).CertificatePem;

    /// <summary>Generates the CA, writes the bundle, binds the preview listener.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Root writes here and every sandbox binds these files: refuse a directory someone else planted, and
        // replace (never write through) whatever is at the file names.
        TrustedStatePath.EnsureDirectory(_options.StateDirectory);
        _ca = new EmulatorCertificateAuthority();
        WriteReadable(Path.GetFileName(CaBundlePath), _ca.BundleText());
        WriteReadable(Path.GetFileName(ResolvConfPath), "nameserver 127.0.0.1\noptions attempts:2 timeout:2\n");
        _verifier = new UpstreamCertificateVerifier(_options.EgressTrustCaFiles);
        if (_options.EgressUpstreamNetns is string path)
        {
            _upstreamNetns = NetnsSocketFactory.OpenNamespace(path);
        }

        _dialer = new UpstreamDialer(_options, _sockets, _upstreamNetns);
        _previewListener = new Socket(_options.PreviewListen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _previewListener.Bind(_options.PreviewListen);
        _previewListener.Listen(512);
        _preview = new PreviewProxy(_previewListener, _sockets, _options);
        _previewLoop = _preview.RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Makes a fresh sandbox namespace at <paramref name="netnsPath"/> a sandbox network: nft redirect + drop rules and
    /// a default route on lo (<see cref="NetnsFirewall"/>). Completes once the rules are in force. Until then the
    /// namespace has only lo and no route, so nothing can leave it either way; the runtime still runs this before the
    /// sandbox's first process (<see cref="SandboxSpec.PrepareNetwork"/>).
    /// </summary>
    public Task PrepareNamespaceAsync(string netnsPath, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(netnsPath);
        if (_ca is null || Volatile.Read(ref _disposed) != 0)
        {
            throw new InvalidOperationException("SandboxNetworkService not started, or stopped");
        }

        return NetnsFirewall.ApplyAsync(netnsPath, cancellationToken);
    }

    /// <summary>
    /// Sets up networking for one sandbox whose namespace <see cref="PrepareNamespaceAsync"/> prepared: the in-namespace
    /// proxy and resolver sockets, and preview tokens for <paramref name="ports"/>. Returns what the runtime must inject.
    /// (Attached to an unprepared namespace, the sandbox has no route out at all: the proxy is unreachable, fail closed.)
    /// </summary>
    public async Task<SandboxNetworkAttachment> AttachAsync(string sandboxId, string netnsPath, EgressPolicy policy, IReadOnlyList<int> ports, CancellationToken cancellationToken)
    {
        if (_ca is null || _dialer is null || _verifier is null || _preview is null)
        {
            throw new InvalidOperationException("SandboxNetworkService not started");
        }

        if (sandboxId.Length is 0 or > 64 || !sandboxId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException("sandbox id must be 1..64 of [A-Za-z0-9_-]", nameof(sandboxId));
        }

        if (ports.Any(p => p is < 1 or > 65535))
        {
            throw new ArgumentException("ports must be 1..65535", nameof(ports));
        }

        if (_sandboxes.ContainsKey(sandboxId))
        {
            throw new InvalidOperationException($"sandbox {sandboxId} is already attached");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var tokens = new List<string>();
        var sandbox = new AttachedSandbox(sandboxId, NetnsSocketFactory.OpenNamespace(netnsPath), policy, _options);
        try
        {
            Socket proxyListener = await sandbox.OwnAsync(_sockets.CreateAsync(sandbox.Netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ConfigureAwait(false);
            proxyListener.Bind(new IPEndPoint(IPAddress.Loopback, NetnsFirewall.RedirectPort));
            proxyListener.Listen(512);
            Socket dnsUdp = await sandbox.OwnAsync(_sockets.CreateAsync(sandbox.Netns, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)).ConfigureAwait(false);
            dnsUdp.Bind(new IPEndPoint(IPAddress.Loopback, 53));
            Socket dnsTcp = await sandbox.OwnAsync(_sockets.CreateAsync(sandbox.Netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ConfigureAwait(false);
            dnsTcp.Bind(new IPEndPoint(IPAddress.Loopback, 53));
            dnsTcp.Listen(64);

            var proxy = new SandboxEgressProxy(proxyListener, () => sandbox.Policy, sandbox.Addresses, _dialer, _ca, _verifier, _options, sandbox.TlsHandshakes);
            var dns = new SandboxDnsServer(dnsUdp, dnsTcp, () => sandbox.Policy, sandbox.Addresses);
            sandbox.Loops = Task.WhenAll(proxy.RunAsync(sandbox.Stopping.Token), dns.RunAsync(sandbox.Stopping.Token));

            Dictionary<int, string> urls = AddPreviewRoutes(sandboxId, sandbox.Netns, ports, tokens);

            if (!_sandboxes.TryAdd(sandboxId, sandbox))
            {
                throw new InvalidOperationException($"sandbox {sandboxId} is already attached");
            }

            SandboxNetworkSetup setup = SandboxSetup;
            return new SandboxNetworkAttachment(sandboxId, setup.Environment, setup.Files, urls);
        }
        catch
        {
            foreach (string token in tokens)
            {
                _preview.Remove(token);
            }

            await sandbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens preview routes for <paramref name="ports"/> of an attached sandbox and returns their URLs: a pre-warmed
    /// sandbox is attached with no ports (and the deny-all policy) and gets its tenant's ports here when claimed.
    /// </summary>
    public IReadOnlyDictionary<int, string> AddPreviewPorts(string sandboxId, IReadOnlyList<int> ports)
    {
        if (ports.Any(p => p is < 1 or > 65535))
        {
            throw new ArgumentException("ports must be 1..65535", nameof(ports));
        }

        if (!_sandboxes.TryGetValue(sandboxId, out AttachedSandbox? sandbox))
        {
            throw new InvalidOperationException($"sandbox {sandboxId} is not attached");
        }

        var tokens = new List<string>();
        try
        {
            return AddPreviewRoutes(sandboxId, sandbox.Netns, ports, tokens);
        }
        catch
        {
            foreach (string token in tokens)
            {
                _preview?.Remove(token);
            }

            throw;
        }
    }

    /// <summary>One fresh token and route per distinct port; the tokens added are appended to <paramref name="tokens"/> (for rollback).</summary>
    private Dictionary<int, string> AddPreviewRoutes(string sandboxId, SafeFileHandle netns, IReadOnlyList<int> ports, List<string> tokens)
    {
        PreviewProxy preview = _preview ?? throw new InvalidOperationException("SandboxNetworkService not started");
        var urls = new Dictionary<int, string>();
        foreach (int port in ports.Distinct())
        {
            string token = PreviewProxy.NewToken();
            preview.Add(token, new PreviewTarget(sandboxId, netns, port));
            tokens.Add(token);
            urls[port] = string.Create(CultureInfo.InvariantCulture, $"http://{PreviewHost.Label(port, token)}.{PreviewHost.Domain}:{PreviewEndpoint.Port}");
        }

        return urls;
    }

    /// <summary>How many names the sandbox's resolver currently holds synthetic addresses for (tests, diagnostics).</summary>
    public int DnsNameCount(string sandboxId) => _sandboxes.TryGetValue(sandboxId, out AttachedSandbox? s) ? s.Addresses.Count : 0;

    /// <summary>Replaces a sandbox's policy; new connections and DNS answers use it at once.</summary>
    public void UpdatePolicy(string sandboxId, EgressPolicy policy)
    {
        if (_sandboxes.TryGetValue(sandboxId, out AttachedSandbox? s))
        {
            s.Policy = policy;
        }
    }

    /// <summary>Stops the sandbox's proxy and resolver, withdraws its preview routes, closes its sockets.</summary>
    public async Task DetachAsync(string sandboxId)
    {
        _preview?.RemoveSandbox(sandboxId);
        if (_sandboxes.TryRemove(sandboxId, out AttachedSandbox? sandbox))
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // Idempotent: the emulator disposes it on stop and again on dispose, and a failed start disposes it early.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (string id in _sandboxes.Keys.ToList())
        {
            await DetachAsync(id).ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _previewListener?.Dispose();
        try { await _previewLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _sockets.Dispose();
        _upstreamNetns?.Dispose();
        _ca?.Dispose();
        _stopping.Dispose();
    }

    private void WriteReadable(string name, string content) =>
        TrustedStatePath.ReplaceFile(_options.StateDirectory, name, System.Text.Encoding.UTF8.GetBytes(content), TrustedStatePath.ReadableFileMode);

    private sealed class AttachedSandbox(string id, SafeFileHandle netns, EgressPolicy policy, SandboxNetworkOptions options) : IAsyncDisposable
    {
        private readonly List<Socket> _owned = [];

        public string Id { get; } = id;

        public SafeFileHandle Netns { get; } = netns;

        public volatile EgressPolicy Policy = policy;

        public FakeAddressMap Addresses { get; } = new(options.MaxDnsNamesPerSandbox);

        public SemaphoreSlim TlsHandshakes { get; } = new(options.MaxTlsHandshakesPerSandbox, options.MaxTlsHandshakesPerSandbox);

        public CancellationTokenSource Stopping { get; } = new();

        public Task Loops { get; set; } = Task.CompletedTask;

        public async Task<Socket> OwnAsync(Task<Socket> create)
        {
            Socket s = await create.ConfigureAwait(false);
            _owned.Add(s);
            return s;
        }

        public async ValueTask DisposeAsync()
        {
            await Stopping.CancelAsync().ConfigureAwait(false);
            foreach (Socket s in _owned)
            {
                s.Dispose();
            }

            try { await Loops.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException) { }
            Netns.Dispose();
            Stopping.Dispose();
            TlsHandshakes.Dispose();
        }
    }
}
