namespace AotSandbox.Emulator.Network;

/// <summary>A sandbox's egress allowlist (default deny). <see cref="AllowAll"/> is the policy string "allow-all".</summary>
internal sealed record EgressPolicy(bool AllowAll, IReadOnlyList<EgressEntry> Entries)
{
    // Entries with the same host pattern and port, merged once so lookups allocate nothing (see EgressEntrySelection).
    private readonly EgressEntry[] _effective = EgressEntrySelection.MergeSameHostAndPort(Entries);

    /// <summary>No egress at all (the default).</summary>
    public static EgressPolicy DenyAll { get; } = new(false, []);

    /// <summary>Every destination allowed at L4 (still never private/loopback upstreams, still no UDP).</summary>
    public static EgressPolicy AllowEverything { get; } = new(true, []);

    /// <summary>
    /// The entry that decides <paramref name="canonicalHost"/>:<paramref name="port"/>, or null (denied): the most
    /// specific matching entry, not the first one, so an earlier <c>*.x.com</c> entry cannot switch off a later L7
    /// entry for <c>api.x.com</c>. Exact host beats any wildcard, a longer wildcard suffix beats a shorter one, and
    /// at equal specificity the entry with HTTP rules wins (its rules are the union of every such entry's rules).
    /// </summary>
    public EgressEntry? Find(string canonicalHost, int port) => EgressEntrySelection.MostSpecific(_effective, canonicalHost, port);

    /// <summary>True when some entry allows <paramref name="canonicalHost"/> on any port (what DNS answers for).</summary>
    public bool AllowsName(string canonicalHost)
    {
        if (AllowAll)
        {
            return true;
        }

        foreach (EgressEntry e in Entries)
        {
            if (e.Host.Matches(canonicalHost))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One allowlist entry. With <see cref="Rules"/>, every HTTP request is inspected (TLS is terminated).</summary>
internal sealed record EgressEntry(HostPattern Host, int Port, string? Protocol, IReadOnlyList<HttpRule>? Rules);

/// <summary>An L7 rule: the method (upper case, exact) must be listed and the path must match the glob.</summary>
internal sealed record HttpRule(IReadOnlyList<string> Methods, PathGlob PathPattern)
{
    /// <summary>True when the request is allowed by this rule.</summary>
    public bool Allows(string method, string path)
    {
        bool methodOk = false;
        foreach (string m in Methods)
        {
            if (string.Equals(m, method, StringComparison.Ordinal)) { methodOk = true; break; }
        }

        return methodOk && PathPattern.Matches(path);
    }
}

/// <summary>The policy JSON is invalid; the message says what to fix.</summary>
internal sealed class EgressPolicyException(string message) : Exception(message);
