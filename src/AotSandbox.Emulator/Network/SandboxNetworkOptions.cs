using System.Globalization;
using System.Net;

namespace AotSandbox.Emulator.Network;

/// <summary>Operator settings of the sandbox network layer (defaults are the production-safe ones).</summary>
internal sealed class SandboxNetworkOptions
{
    /// <summary>Where the preview listener binds (port 0 = any free port). Loopback by default.</summary>
    public IPEndPoint PreviewListen { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// Directory for the CA bundle and resolv.conf. The emulator puts it under its runtime's state root (one instance
    /// per state root, guarded by the instance lock); this default is for direct use. Never under $TMPDIR: root writes
    /// here, so it must be a directory no other user can create or write (see TrustedStatePath). Per service, not per
    /// process: each has its own CA, and two in one process (a test run starts several) must not replace each other's
    /// bundle, or their sandboxes fail TLS to inspected hosts.
    /// </summary>
    public string StateDirectory { get; set; } = $"/run/aotsandbox-network-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary><c>EgressResolve NAME=IP:PORT</c>: an allowed connection to NAME on any port is dialled to IP:PORT.</summary>
    public IList<EgressResolveOverride> EgressResolve { get; } = [];

    /// <summary><c>EgressTrustCa FILE</c>: extra PEM CA certificates trusted when verifying upstream servers.</summary>
    public IList<string> EgressTrustCaFiles { get; } = [];

    /// <summary>Let the proxy dial loopback/private/link-local addresses (tests only; off in production).</summary>
    public bool EgressAllowPrivateUpstreams { get; set; }

    /// <summary>Resolve allowed names with the host's DNS (off in tests: only <see cref="EgressResolve"/> names resolve).</summary>
    public bool EgressSystemDns { get; set; } = true;

    /// <summary>Network namespace the proxy dials upstreams from (tests point it at a lab namespace); null = host.</summary>
    public string? EgressUpstreamNetns { get; set; }

    /// <summary>Concurrent egress connections per sandbox; more are refused (a flood cannot starve others).</summary>
    public int MaxConnectionsPerSandbox { get; set; } = 256;

    /// <summary>Deadline for connecting to an upstream and for the first bytes/handshakes.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Distinct names one sandbox's resolver keeps synthetic addresses for (least recently used forgotten first).</summary>
    public int MaxDnsNamesPerSandbox { get; set; } = 2048;

    /// <summary>Concurrent inspected-TLS handshakes (leaf minting included) per sandbox; more wait up to <see cref="HandshakeTimeout"/>.</summary>
    public int MaxTlsHandshakesPerSandbox { get; set; } = 8;

    /// <summary>Preview connections held at once, all clients and states; one more is answered 503.</summary>
    public int PreviewMaxConnections { get; set; } = 512;

    /// <summary>Preview connections held at once from one client address; one more is answered 429.</summary>
    public int PreviewMaxConnectionsPerClient { get; set; } = 128;

    /// <summary>Preview connections routed into one sandbox at once (all its ports); one more is answered 429.</summary>
    public int PreviewMaxConnectionsPerSandbox { get; set; } = 128;

    /// <summary>Deadline for a preview connection's request line and headers (routing needs Host); then 408.</summary>
    public TimeSpan PreviewRequestHeadTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A relayed preview connection with no byte in either direction for this long is closed.</summary>
    public TimeSpan PreviewIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>One <c>EgressResolve NAME=IP:PORT</c> entry (name canonical).</summary>
internal sealed record EgressResolveOverride(string Name, IPEndPoint Target)
{
    /// <summary>Parses <c>NAME=IP:PORT</c>; throws <see cref="FormatException"/> with the reason.</summary>
    public static EgressResolveOverride Parse(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new FormatException("EgressResolve expects NAME=IP:PORT");
        }

        string name = HostName.Canonicalize(text.AsSpan(0, eq), out string? error) ?? throw new FormatException("EgressResolve name: " + error);
        if (!IPEndPoint.TryParse(text.AsSpan(eq + 1), out IPEndPoint? target) || target.Port == 0)
        {
            throw new FormatException("EgressResolve target must be IP:PORT");
        }

        return new EgressResolveOverride(name, target);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}={Target}");
}
