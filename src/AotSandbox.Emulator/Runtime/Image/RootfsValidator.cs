namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// Decides whether a directory given as <c>--image DIR</c> may be bound into sandboxes in place. The emulator runs
/// as root and every sandbox would run what the directory holds, so nobody but root may be able to change it: its path
/// must be trusted (<see cref="TrustedStatePath.VerifyExisting"/>), and every entry a sandbox sees must be owned by
/// root, writable by nobody else, and an ordinary file, directory or link (no device nodes, FIFOs or sockets). The
/// runtime's mount points must exist as regular files, and /bin/sh must exist (the agent runs commands with it).
/// </summary>
internal static class RootfsValidator
{
    private const int GroupOrOtherWrite = 0x12; // 0022
    private const int MaxReported = 5;

    /// <summary>The problems found (empty when the directory is acceptable); each says what to do.</summary>
    public static List<string> Problems(string root, int maxEntries = RootfsWalker.DefaultMaxEntries)
    {
        var problems = new List<string>();
        try
        {
            TrustedStatePath.VerifyExisting(root);
        }
        catch (SandboxRuntimeUnavailableException e)
        {
            problems.Add($"image directory {root}: {e.Message}");
            return problems;
        }

        foreach (RootfsEntry entry in RootfsWalker.Walk(root, maxEntries))
        {
            string? problem = entry switch
            {
                { Type: RootfsEntryType.Special } => $"/{entry.RelativePath} is a device node, FIFO or socket; remove it",
                { Uid: not 0 } => $"/{entry.RelativePath} is owned by uid {entry.Uid}, not root; run `chown -R root:root` on the image",
                { Type: not RootfsEntryType.Symlink } when (entry.Mode & GroupOrOtherWrite) != 0 =>
                    $"/{entry.RelativePath} (mode {entry.ModeText}) is writable by group or others; run `chmod -R go-w` on the image",
                _ => null,
            };
            if (problem is not null && problems.Count < MaxReported)
            {
                problems.Add(problem);
            }
        }

        problems.AddRange(MissingMountPoints(root));
        if (RootfsStat.Lstat(Path.Join(root, "usr/bin/sh"), "usr/bin/sh") is null && RootfsStat.Lstat(Path.Join(root, "bin/sh"), "bin/sh") is null)
        {
            problems.Add("the image has no /bin/sh (the sandbox agent runs every command with it)");
        }

        return problems;
    }

    /// <summary>Mount points (<see cref="ImageLayout.MountPointFiles"/>) that are not regular files under real directories.</summary>
    public static IEnumerable<string> MissingMountPoints(string root)
    {
        foreach (string relative in ImageLayout.MountPointFiles)
        {
            if (!IsRealFileUnderRealDirectories(root, relative))
            {
                yield return $"/{relative} must be a regular file (not a link) under real directories: the runtime binds its own over it; run `mkdir -p {Path.GetDirectoryName(Path.Join(root, relative))} && touch {Path.Join(root, relative)}` after removing any link there";
            }
        }
    }

    public static bool IsRealFileUnderRealDirectories(string root, string relative)
    {
        string[] parts = relative.Split('/');
        string current = "";
        for (int i = 0; i < parts.Length; i++)
        {
            current = i == 0 ? parts[0] : current + "/" + parts[i];
            RootfsEntryType want = i == parts.Length - 1 ? RootfsEntryType.File : RootfsEntryType.Directory;
            if (RootfsStat.Lstat(Path.Join(root, current), current)?.Type != want)
            {
                return false;
            }
        }

        return true;
    }
}
