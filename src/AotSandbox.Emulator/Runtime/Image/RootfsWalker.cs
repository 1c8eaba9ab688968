namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// Walks the parts of a root filesystem a sandbox sees (<see cref="ImageLayout.TopLevelNames"/>) in a canonical
/// order (ordinal by name, parents before children), never following a symbolic link, with a bound on the number of
/// entries so a hostile or runaway tree cannot make the emulator walk forever.
/// </summary>
internal static class RootfsWalker
{
    public const int DefaultMaxEntries = 1_000_000;

    /// <summary>The entries under <paramref name="root"/>, top-level names included, in canonical order.</summary>
    /// <exception cref="InvalidDataException">More than <paramref name="maxEntries"/> entries.</exception>
    public static IEnumerable<RootfsEntry> Walk(string root, int maxEntries = DefaultMaxEntries)
    {
        int count = 0;
        foreach (string name in ImageLayout.TopLevelNames)
        {
            if (RootfsStat.Lstat(Path.Join(root, name), name) is not { } top)
            {
                continue;
            }

            foreach (RootfsEntry entry in WalkFrom(root, top))
            {
                if (++count > maxEntries)
                {
                    throw new InvalidDataException($"the image at '{root}' has more than {maxEntries} entries; refusing to walk it");
                }

                yield return entry;
            }
        }
    }

    private static IEnumerable<RootfsEntry> WalkFrom(string root, RootfsEntry start)
    {
        var pending = new Stack<RootfsEntry>();
        pending.Push(start);
        while (pending.Count > 0)
        {
            RootfsEntry entry = pending.Pop();
            yield return entry;
            if (entry.Type != RootfsEntryType.Directory)
            {
                continue;
            }

            string directory = Path.Join(root, entry.RelativePath);
            var names = new List<string>();
            foreach (string child in Directory.EnumerateFileSystemEntries(directory))
            {
                names.Add(Path.GetFileName(child));
            }

            names.Sort(StringComparer.Ordinal);
            // Pushed in reverse so they pop in ordinal order; each child's subtree is emitted before its next sibling.
            for (int i = names.Count - 1; i >= 0; i--)
            {
                string relative = entry.RelativePath + "/" + names[i];
                if (RootfsStat.Lstat(Path.Join(root, relative), relative) is { } child)
                {
                    pending.Push(child);
                }
            }
        }
    }
}
