namespace AotSandbox;

/// <summary>
/// Outbound (egress) network policy: either <see cref="AllowAll"/> or an allow-list of <see cref="EgressRule"/>s
/// (everything not listed is blocked).
/// </summary>
public sealed class NetworkPolicy
{
    private NetworkPolicy(bool allowAll, IReadOnlyList<EgressRule>? egress)
    {
        IsAllowAll = allowAll;
        Egress = egress ?? Array.Empty<EgressRule>();
    }

    /// <summary>Allow all outbound traffic (sent as <c>"egress":"allow-all"</c>).</summary>
    public static NetworkPolicy AllowAll { get; } = new(true, null);

    /// <summary>Whether this is <see cref="AllowAll"/>.</summary>
    public bool IsAllowAll { get; }

    /// <summary>The allowed endpoints (empty for <see cref="AllowAll"/>).</summary>
    public IReadOnlyList<EgressRule> Egress { get; }

    /// <summary>Allows only the listed endpoints.</summary>
    /// <param name="rules">The allowed endpoints.</param>
    /// <returns>The policy.</returns>
    public static NetworkPolicy Allow(params EgressRule[] rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return new NetworkPolicy(false, (EgressRule[])rules.Clone());
    }

    /// <summary>Allows only the listed endpoints.</summary>
    /// <param name="rules">The allowed endpoints.</param>
    /// <returns>The policy.</returns>
    public static NetworkPolicy Allow(IEnumerable<EgressRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return new NetworkPolicy(false, new List<EgressRule>(rules));
    }
}
