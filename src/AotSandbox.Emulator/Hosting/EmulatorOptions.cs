using System.Net;
using System.Security.Cryptography.X509Certificates;
using AotSandbox.Emulator.Runtime;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Emulator;

/// <summary>How an <see cref="EmulatorServer"/> listens, whom it lets in, and how much it may hold.</summary>
public sealed class EmulatorOptions
{
    /// <summary>The port <c>aotsandbox serve</c> listens on unless told otherwise.</summary>
    public const int DefaultCliPort = 8787;

    /// <summary>Where to listen. The default (loopback, port 0) picks a free port, which is what tests and embedding want.</summary>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>The namespace of the primary tenant.</summary>
    public string Namespace { get; set; } = "local";

    /// <summary>The primary tenant's key (<c>uuid:secret</c>). When null a random key is generated at start; read it from <see cref="EmulatorServer.ApiKey"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>More namespace/key pairs served side by side with the primary one (multi-tenant tests).</summary>
    public IList<EmulatorTenant> AdditionalTenants { get; } = new List<EmulatorTenant>();

    /// <summary>
    /// Runs this emulator as a separate instance (1-16 characters of <c>a-z</c>, <c>0-9</c>, <c>-</c>), so it can run
    /// beside another emulator on the same machine without either one sweeping the other's sandboxes. The instance owns
    /// state root <c>/run/aotsandbox-NAME</c>, cgroup parent <c>aotsandbox-NAME</c>, network namespaces
    /// <c>aotsb_NAME_*</c> and a slot of 1024 sandbox uids (from 400001 up) derived from the name. Null (the default) is the unnamed
    /// instance (<c>/run/aotsandbox</c>, cgroup <c>aotsandbox</c>, namespaces <c>aotsb-*</c>, uids 200001..201024).
    /// While started, an emulator holds an exclusive lock on its state root and on its uid slot: a second emulator of
    /// the same instance fails to start with a message saying so.
    /// </summary>
    public string? InstanceName { get; set; }

    /// <summary>
    /// The sandboxes' root filesystem: <c>host</c> (null, the default: the host's /usr read-only), <c>default</c> (the
    /// pinned Debian image, built on first use with mmdebstrap into <see cref="ImageCacheDirectory"/>), an absolute path
    /// to a root-owned root filesystem directory, or to an OCI image layout tarball (<c>.tar</c>). Resolved in
    /// <see cref="EmulatorServer.StartAsync"/>.
    /// </summary>
    public string? Image { get; set; }

    /// <summary>Where built and imported images are cached (root-owned); null for /var/cache/aotsandbox/images.</summary>
    public string? ImageCacheDirectory { get; set; }

    /// <summary>Told the phase and percentage (0-100) while <see cref="EmulatorServer.StartAsync"/> builds or imports the image.</summary>
    public Action<string, int>? ImageProgress { get; set; }

    /// <summary>Where the sandbox runtime keeps per-sandbox state; null lets the runtime choose (from <see cref="InstanceName"/>).</summary>
    public string? StateDirectory { get; set; }

    /// <summary>
    /// The origin clients use to reach this server (e.g. behind a port forward). When null, URLs in responses
    /// (<c>wsEndpoint</c>, <c>managementEndpoint</c>) are built from the request's own scheme and Host.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>
    /// Serves the API (REST and the WebSocket data plane) over TLS with this certificate, which must carry its private
    /// key. Null (the default): plain http. With it the listener speaks only TLS, and answers name <c>https://</c> and
    /// <c>wss://</c> on that same listener (<c>managementEndpoint</c>, <c>wsEndpoint</c>). Clients verify it as usual; a
    /// private CA is given to the SDK through <c>SandboxConnectionOptions.TrustedCertificateAuthorities</c>. Preview URLs
    /// stay on the separate plain-http preview listener. The server never disposes the certificate.
    /// </summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>How many sandboxes may exist at once (creating or running); one more is answered with 429.</summary>
    public int MaxSandboxes { get; set; } = 64;

    /// <summary>
    /// Host-wide pid budget: the sum of the pid limits of all live sandboxes (512 SMALL, 1024 MEDIUM, 2048 LARGE) may not
    /// exceed it; a create beyond it is answered with 429. Null: the kernel's pid_max minus a reserve for the host (an
    /// eighth of it, at least 4096).
    /// </summary>
    public long? MaxTotalPids { get; set; }

    /// <summary>
    /// Host-wide memory budget in bytes: the sum of the memory limits of all live sandboxes may not exceed it; a create
    /// beyond it is answered with 429. Null: four times the host's MemTotal (limits are ceilings, mostly unused).
    /// </summary>
    public long? MaxTotalMemoryBytes { get; set; }

    /// <summary>How many live sandboxes one namespace may hold (a create beyond it is answered with 429). Null: <see cref="MaxSandboxes"/>.</summary>
    public int? MaxSandboxesPerNamespace { get; set; }

    /// <summary>The pre-warmed pool's size when <see cref="PoolSize"/> is not set.</summary>
    public const int DefaultPoolSize = 2;

    /// <summary>
    /// How many started, tenant-less SMALL sandboxes the emulator keeps ready, so that a create only claims one (name,
    /// limits, envs, egress policy, ports and lifetimes are applied at claim; a claimed sandbox is never reused and the
    /// pool starts a fresh one in the background). 0 turns the pool off: every create starts its sandbox on demand.
    /// Entries count against <see cref="MaxSandboxes"/> and the host budgets, but a create is never refused because of
    /// them: it evicts them first.
    /// </summary>
    public int PoolSize { get; set; } = DefaultPoolSize;

    /// <summary>DNS suffix of preview URLs (<c>p{port}-{token}.{PreviewDomain}</c>). <c>*.localhost</c> resolves to loopback without any DNS setup.</summary>
    public string PreviewDomain { get; set; } = "preview.localhost";

    /// <summary>Port of preview URLs; null means the API port.</summary>
    public int? PreviewPort { get; set; }

    /// <summary>
    /// Where the preview proxy listens (preview URLs point here). Null: the API's address with a free port. Preview URLs
    /// are <c>http://p{port}-{token}.preview.localhost:{port}/</c>; <c>*.localhost</c> reaches loopback in browsers without DNS.
    /// </summary>
    public IPEndPoint? PreviewListen { get; set; }

    /// <summary>
    /// Test upstreams without internet: each <c>NAME=IP:PORT</c> makes the egress proxy dial IP:PORT whenever a sandbox's
    /// allowed connection to NAME (any port) is made.
    /// </summary>
    public IList<string> EgressResolve { get; } = new List<string>();

    /// <summary>PEM files of extra certificate authorities trusted when the egress proxy verifies upstream certificates.</summary>
    public IList<string> EgressTrustCaFiles { get; } = new List<string>();

    /// <summary>Let the egress proxy dial loopback/private/link-local upstreams (off: they are refused). For local test servers.</summary>
    public bool EgressAllowPrivateUpstreams { get; set; }

    /// <summary>
    /// Behave like Adobe's service as far as it is known (docs/PROTOCOL.md §4.4): advertise no extensions, ignore
    /// <c>exec.get</c>'s <c>replay</c>, refuse ranged file reads and writes (<c>offset</c>/<c>length</c>) with
    /// <c>UNSUPPORTED</c>, and close any client message over 1 MiB with 1009. Off (the default): the extensions of
    /// §4 are offered and a message may be up to 16 MiB. Clients tested against both modes work against the real service.
    /// </summary>
    public bool StrictProtocol { get; set; }

    /// <summary>Adds log providers and filters. Without it the server logs nothing (embedding must stay quiet).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>Creates the sandbox runtime; null uses the machine's real runtime. Tests substitute a fake.</summary>
    internal Func<EmulatorOptions, ISandboxRuntime>? RuntimeFactory { get; set; }

    /// <summary>Last-moment changes to the networking layer's options (tests: an upstream lab namespace, no host DNS).</summary>
    internal Action<AotSandbox.Emulator.Network.SandboxNetworkOptions>? ConfigureNetwork { get; set; }

    /// <summary>
    /// Concurrent connections to the API listener (REST and WebSocket). Far above what a machine's sandboxes need (one
    /// session each, plus a few kept-alive REST connections per client); past it Kestrel closes new connections at once.
    /// Lowered by tests.
    /// </summary>
    internal int MaxApiConnections { get; set; } = 1024;

    /// <summary>Time budget tuning, shortened by tests.</summary>
    internal EmulatorTimings Timings { get; set; } = new();
}

/// <summary>The emulator's timers in one place, so tests can shorten them and the docs can point at one file.</summary>
internal sealed record EmulatorTimings
{
    /// <summary>How often lifetimes, idle timers, tombstones and retained execs are checked.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a destroyed/expired sandbox answers GET with its final status before it becomes 404.</summary>
    public TimeSpan TombstoneRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a new WebSocket may take to send its <c>auth</c> frame.</summary>
    public TimeSpan AuthTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection's outgoing queue may stay full before the connection is closed with 1008.</summary>
    public TimeSpan StuckClientTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an exited detached exec stays retrievable with <c>exec.get</c> + replay.</summary>
    public TimeSpan ExitedDetachedRetention { get; init; } = TimeSpan.FromMinutes(10);
}
