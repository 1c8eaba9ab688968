namespace AotSandbox.Emulator.Network;

/// <summary>
/// Which allowlist entry decides a connection. Pure functions over the entry list.
/// <para>
/// Most specific wins (docs/PROTOCOL.md §2.4): first-match let an earlier broad L4 entry silently disable a later,
/// stricter L7 entry for a name it covers. Specificity: an exact host outranks every wildcard; between wildcards the
/// longer suffix (more labels) outranks the shorter. At equal specificity an entry with HTTP rules outranks one
/// without, so listing a host twice can only make it stricter, never looser. Entries with the same pattern and port
/// are merged up front: rules are unioned (each entry's rules allow what they list), and rules beat no rules.
/// </para>
/// </summary>
internal static class EgressEntrySelection
{
    /// <summary>Merges entries with the same host pattern and port into one (the first's position, rules unioned).</summary>
    public static EgressEntry[] MergeSameHostAndPort(IReadOnlyList<EgressEntry> entries)
    {
        var merged = new List<EgressEntry>(entries.Count);
        foreach (EgressEntry e in entries)
        {
            int same = merged.FindIndex(m => m.Port == e.Port && m.Host.IsWildcard == e.Host.IsWildcard
                && string.Equals(m.Host.Canonical, e.Host.Canonical, StringComparison.Ordinal));
            if (same < 0) { merged.Add(e); continue; }
            EgressEntry m = merged[same];
            if (e.Rules is null)
            {
                continue;                       // no rules never loosens an entry that has them
            }

            merged[same] = m.Rules is null ? e : m with { Rules = [.. m.Rules, .. e.Rules] };
        }
        return [.. merged];
    }

    /// <summary>The most specific entry of <paramref name="entries"/> matching host and port, or null.</summary>
    public static EgressEntry? MostSpecific(EgressEntry[] entries, string canonicalHost, int port)
    {
        EgressEntry? best = null;
        int bestScore = -1;
        foreach (EgressEntry e in entries)
        {
            if (e.Port != port || !e.Host.Matches(canonicalHost))
            {
                continue;
            }

            int score = Specificity(e);
            if (score > bestScore) { best = e; bestScore = score; }
        }
        return best;
    }

    /// <summary>Exact hosts above every wildcard, longer wildcard suffixes above shorter; +1 for HTTP rules.</summary>
    private static int Specificity(EgressEntry e)
    {
        int host = e.Host.IsWildcard ? e.Host.Canonical.Length : 1024; // names are ≤ 253 characters
        return (host * 2) + (e.Rules is null ? 0 : 1);
    }
}
