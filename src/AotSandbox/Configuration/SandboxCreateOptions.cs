namespace AotSandbox;

/// <summary>What to create (<see cref="Sandbox.CreateAsync"/>) plus how to reach the service (inherited).</summary>
public sealed class SandboxCreateOptions : SandboxConnectionOptions
{
    /// <summary>Display name; sent as JSON <c>null</c> when not set.</summary>
    public string? Name { get; set; }

    /// <summary>Sandbox type (default <c>cpu:default</c>).</summary>
    public string Type { get; set; } = "cpu:default";

    /// <summary>Resource tier (default <see cref="SandboxSize.Medium"/>). Ignored when <see cref="SizeSpec"/> is set.</summary>
    public SandboxSize Size { get; set; } = SandboxSize.Medium;

    /// <summary>
    /// Resources as cpu/memory/gpu; must equal one tier of <see cref="Sandbox.Sizes"/> exactly (the tier name is what is sent),
    /// otherwise create fails with <see cref="SandboxClientException"/>.
    /// </summary>
    public SandboxSizeSpec? SizeSpec { get; set; }

    /// <summary>Lifetime after which the service destroys the sandbox (default 1 hour; sent in whole seconds).</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>Idle time (no WebSocket message, no status request) after which the service destroys the sandbox (default 15 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(900);

    /// <summary>TCP ports to expose as preview URLs; they must be declared here, there is no later API.</summary>
    public IList<int>? Ports { get; set; }

    /// <summary>Environment variables injected into the sandbox.</summary>
    public IDictionary<string, string>? Envs { get; set; }

    /// <summary>Egress policy; sandboxes are default-deny.</summary>
    public SandboxPolicy? Policy { get; set; }

    /// <summary>Target cluster name.</summary>
    public string? Cluster { get; set; }

    /// <summary>
    /// Region such as <c>va6</c> (2-4 letters then 1-2 digits, any case; sent lowercased). With the bare canonical host
    /// <c>https://sandbox-adobeioruntime.net</c> it also routes calls to <c>https://{region}.sandbox-adobeioruntime.net</c>.
    /// </summary>
    public string? Region { get; set; }
}
