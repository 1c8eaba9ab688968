using System.Globalization;
using System.Net;

namespace AotSandbox.Emulator.Network;

/// <summary>Operator settings of the sandbox network layer (defaults are the production-safe ones).</summary>
internal sealed class SandboxNetworkOptions
{
    /// <summary>Where the preview listener binds (port 0 = any free port). Loopback by default.</summary>
    public IPEndPoint PreviewListen { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// Directory for the CA bundle and resolv.conf. Per emulator by default: each emulator has its own CA, and two
    /// emulators must not overwrite each other's bundle, also not two in one process (a test run starts several; with a
    /// per-process name the last one started replaced the others' CA and their sandboxes failed TLS to inspected hosts).
    /// The random part also keeps the name unguessable, so nobody can plant it in the temp directory beforehand.
    /// </summary>
    public string StateDirectory { get; set; } = Path.Combine(Path.GetTempPath(), $"aotsandbox-network-{Environment.ProcessId}-{Guid.NewGuid():N}");

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
}

/// <summary>One <c>EgressResolve NAME=IP:PORT</c> entry (name canonical).</summary>
internal sealed record EgressResolveOverride(string Name, IPEndPoint Target)
{
    /// <summary>Parses <c>NAME=IP:PORT</c>; throws <see cref="FormatException"/> with the reason.</summary>
    public static EgressResolveOverride Parse(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) throw new FormatException("EgressResolve expects NAME=IP:PORT");
        string name = HostName.Canonicalize(text.AsSpan(0, eq), out string? error) ?? throw new FormatException("EgressResolve name: " + error);
        if (!IPEndPoint.TryParse(text.AsSpan(eq + 1), out IPEndPoint? target) || target.Port == 0)
            throw new FormatException("EgressResolve target must be IP:PORT");
        return new EgressResolveOverride(name, target);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}={Target}");
}
