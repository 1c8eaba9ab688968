using AotSandbox.Emulator.Sandboxes;

namespace AotSandbox.Emulator.Rest;

/// <summary>One sandbox as the list sees it: its description, its status and, once ended, why.</summary>
internal readonly record struct SandboxListEntry(SandboxDescription Description, string Status, string? Reason)
{
    public SandboxListCursor Key => new(Description.CreatedAt.UtcTicks, Description.Id);
}

/// <summary>
/// Picks one page out of a namespace's sandboxes: oldest first (creation time, then id), strictly after the cursor,
/// at most <see cref="SandboxListQuery.Limit"/> entries. Pure, so paging is unit-tested without a server.
/// </summary>
internal static class SandboxListPager
{
    /// <summary>The page and the cursor of the next one (null when this page is the last).</summary>
    public static (List<SandboxListEntry> Page, SandboxListCursor? Next) Page(IEnumerable<SandboxListEntry> entries, SandboxListQuery query)
    {
        var candidates = new List<SandboxListEntry>();
        foreach (SandboxListEntry entry in entries)
        {
            if (query.After is not { } after || entry.Key.CompareTo(after) > 0)
            {
                candidates.Add(entry);
            }
        }

        candidates.Sort(static (a, b) => a.Key.CompareTo(b.Key));
        if (candidates.Count <= query.Limit)
        {
            return (candidates, null);
        }

        candidates.RemoveRange(query.Limit, candidates.Count - query.Limit);
        return (candidates, candidates[^1].Key);
    }
}
