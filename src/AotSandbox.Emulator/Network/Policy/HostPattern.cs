namespace AotSandbox.Emulator.Network;

/// <summary>
/// A policy host: an exact canonical name/IP, or <c>*.suffix</c> matching any name with at least one more label
/// under <c>suffix</c>. The wildcard does NOT match the apex (<c>*.example.com</c> does not allow
/// <c>example.com</c>; list it separately) — the same rule as TLS wildcard certificates, so users meet one meaning.
/// </summary>
internal sealed class HostPattern
{
    private HostPattern(string canonical, bool wildcard)
    {
        Canonical = canonical;
        IsWildcard = wildcard;
    }

    /// <summary>The exact host, or the suffix (without <c>*.</c>) for a wildcard.</summary>
    public string Canonical { get; }

    /// <summary>True for <c>*.suffix</c>.</summary>
    public bool IsWildcard { get; }

    /// <summary>Parses a policy host; refuses <c>*</c>, a wildcard over a single label (<c>*.test</c>), wildcards over IPs.</summary>
    public static HostPattern? TryParse(string text, out string? error)
    {
        if (text.StartsWith("*.", StringComparison.Ordinal))
        {
            string? suffix = HostName.Canonicalize(text.AsSpan(2), out error);
            if (suffix is null)
            {
                return null;
            }

            if (HostName.IsIPLiteral(suffix)) { error = "wildcard over an IP address"; return null; }
            if (!suffix.Contains('.', StringComparison.Ordinal)) { error = "wildcard must cover at least two labels (e.g. *.example.com)"; return null; }
            if (suffix.Length + 2 > HostName.MaxLength) { error = "host longer than 253 characters"; return null; }
            return new HostPattern(suffix, wildcard: true);
        }
        if (text.Contains('*', StringComparison.Ordinal)) { error = "'*' is only allowed as a leading '*.' label"; return null; }
        string? canonical = HostName.Canonicalize(text, out error);
        return canonical is null ? null : new HostPattern(canonical, wildcard: false);
    }

    /// <summary>Matches a host that is already canonical.</summary>
    public bool Matches(string canonicalHost)
    {
        if (!IsWildcard)
        {
            return string.Equals(canonicalHost, Canonical, StringComparison.Ordinal);
        }

        return canonicalHost.Length > Canonical.Length + 1
            && canonicalHost.EndsWith(Canonical, StringComparison.Ordinal)
            && canonicalHost[canonicalHost.Length - Canonical.Length - 1] == '.'
            && !HostName.IsIPLiteral(canonicalHost);
    }

    /// <inheritdoc/>
    public override string ToString() => IsWildcard ? "*." + Canonical : Canonical;
}
