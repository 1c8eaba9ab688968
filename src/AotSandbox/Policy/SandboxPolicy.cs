namespace AotSandbox;

/// <summary>Security policy of a sandbox (sent as <c>policy</c> in the create body).</summary>
public sealed class SandboxPolicy
{
    /// <summary>Outbound network policy; sandboxes are default-deny when this is not set.</summary>
    public NetworkPolicy? Network { get; set; }
}
