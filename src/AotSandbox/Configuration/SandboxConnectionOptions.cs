using System.Security.Cryptography.X509Certificates;
using AotSandbox.Transport;

namespace AotSandbox;

/// <summary>
/// How to reach the Runtime Sandboxes service. Empty values fall back to the environment variables a Runtime action
/// already has (<c>__OW_API_HOST</c>, <c>__OW_NAMESPACE</c>, <c>__OW_API_KEY</c>), so inside an action nothing needs setting.
/// </summary>
public class SandboxConnectionOptions
{
    /// <summary>Runtime API host, e.g. <c>https://adobeioruntime.net</c>; <c>https://</c> is added when no scheme is given. Falls back to <c>__OW_API_HOST</c>.</summary>
    public string? ApiHost { get; set; }

    /// <summary>Runtime namespace. Falls back to <c>__OW_NAMESPACE</c>.</summary>
    public string? Namespace { get; set; }

    /// <summary>Runtime API key (<c>uuid:secret</c>), sent whole as HTTP Basic credentials. Falls back to <c>__OW_API_KEY</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Origin (scheme + host, no path) of the sandbox's management endpoint. <see cref="Sandbox.GetAsync"/> sends its GET
    /// there when set; create ignores it (the create response names the endpoint).
    /// </summary>
    public string? ManagementEndpoint { get; set; }

    /// <summary>Accept any server certificate for REST and WebSocket calls. For local development only.</summary>
    public bool SkipCertificateValidation { get; set; }

    /// <summary>Extra certificate authorities trusted for TLS in addition to the system store (e.g. a local emulator's CA).</summary>
    public X509Certificate2Collection? TrustedCertificateAuthorities { get; set; }

    /// <summary>
    /// Time limit of each REST call. When <see langword="null"/>: 120 s for create (sandbox start-up can be slow), 30 s for
    /// get and destroy.
    /// </summary>
    public TimeSpan? HttpTimeout { get; set; }

    /// <summary>
    /// Time limit for opening the data-plane connection (TCP, TLS, upgrade) and, separately, for the server's
    /// <c>auth.ok</c> (default 10 s each).
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest WebSocket message accepted from the server, in bytes (default 16 MiB).</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// How often the SDK pings the server on an open data-plane connection (default 20 s). Pings keep idle connections
    /// alive through load balancers and NAT, and their pongs prove the path works. <see cref="TimeSpan.Zero"/> or
    /// <see cref="Timeout.InfiniteTimeSpan"/> sends none.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long the connection may stay completely silent (no message, no ping, no pong) before the SDK declares the
    /// peer dead: every pending operation then fails with a <see cref="SandboxWebSocketException"/> that says the
    /// connection was lost, and the session ends (see <see cref="Sandbox.ReconnectAsync"/> and <see cref="AutoReconnect"/>). When <see langword="null"/>
    /// (default): twice <see cref="KeepAliveInterval"/> plus 10 s, or no limit when pings are off.
    /// <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> disables the check.
    /// </summary>
    public TimeSpan? KeepAliveTimeout { get; set; }

    /// <summary>
    /// Reconnect on its own when the connection is lost while detached commands are running (default off): a new
    /// session with the same token after a short pause, retried with exponential backoff and jitter up to
    /// <see cref="MaxReconnectAttempts"/> times, then the detached commands are resumed as by
    /// <see cref="Sandbox.ReconnectAsync"/>. Their waits stay pending meanwhile and fail only when every attempt failed.
    /// Foreground commands in flight still fail with the connection error.
    /// </summary>
    public bool AutoReconnect { get; set; }

    /// <summary>How many times <see cref="AutoReconnect"/> tries before giving up (default 5: about 8 s of pauses in total).</summary>
    public int MaxReconnectAttempts { get; set; } = 5;

    /// <summary>The interval in effect, or <see langword="null"/> when pings are off.</summary>
    internal TimeSpan? EffectiveKeepAliveInterval
        => KeepAliveInterval > TimeSpan.Zero ? KeepAliveInterval : null;

    /// <summary>The dead-peer timeout in effect, or <see langword="null"/> when the check is off.</summary>
    internal TimeSpan? EffectiveKeepAliveTimeout => KeepAliveTimeout switch
    {
        null => EffectiveKeepAliveInterval is { } interval ? (interval * 2) + TimeSpan.FromSeconds(10) : null,
        { } t when t > TimeSpan.Zero => t,
        _ => null,
    };

    /// <summary>Opens the data-plane connection; tests replace it with an in-memory transport.</summary>
    internal Func<Uri, WebSocketClientOptions, CancellationToken, ValueTask<IMessageTransport>>? TransportFactory { get; set; }

    /// <summary>Copies the connection settings of <paramref name="source"/> (used when a create's settings are kept for later calls).</summary>
    internal void CopyConnectionFrom(SandboxConnectionOptions source)
    {
        ApiHost = source.ApiHost;
        Namespace = source.Namespace;
        ApiKey = source.ApiKey;
        ManagementEndpoint = source.ManagementEndpoint;
        SkipCertificateValidation = source.SkipCertificateValidation;
        TrustedCertificateAuthorities = source.TrustedCertificateAuthorities;
        HttpTimeout = source.HttpTimeout;
        MaxMessageBytes = source.MaxMessageBytes;
        ConnectTimeout = source.ConnectTimeout;
        KeepAliveInterval = source.KeepAliveInterval;
        KeepAliveTimeout = source.KeepAliveTimeout;
        AutoReconnect = source.AutoReconnect;
        MaxReconnectAttempts = source.MaxReconnectAttempts;
        TransportFactory = source.TransportFactory;
    }
}
