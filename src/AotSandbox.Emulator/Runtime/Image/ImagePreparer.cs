namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// Normalises a tree the emulator built or extracted itself (never a user's <c>--image DIR</c>, which is only
/// validated) before it is hashed and published: only the parts sandboxes see are kept, every entry becomes
/// root:root, setuid/setgid/sticky and group/other write bits are dropped, device nodes and FIFOs are removed, and the
/// runtime's mount points are created as empty regular files. Host details a build copied in (resolv.conf,
/// hostname) are emptied, so they neither leak into the cache nor change the content id.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class ImagePreparer
{
    private const int Keep = 0x1ED; // 0755: no setuid/setgid/sticky, no group/other write
    private static readonly string[] EmptiedFiles = ["etc/resolv.conf", "etc/hostname", "etc/machine-id"];

    public static void Prepare(string root)
    {
        foreach (string path in Directory.EnumerateFileSystemEntries(root))
        {
            string name = Path.GetFileName(path);
            if (!ImageLayout.IsTopLevel(name))
            {
                DeleteEntry(path);
            }
        }

        foreach (string relative in ImageLayout.MountPointFiles)
        {
            EnsureRegularFile(root, relative);
        }

        foreach (string relative in EmptiedFiles)
        {
            if (RootfsValidator.IsRealFileUnderRealDirectories(root, relative))
            {
                File.WriteAllBytes(Path.Join(root, relative), []);
            }
        }

        foreach (RootfsEntry entry in RootfsWalker.Walk(root).ToList())
        {
            string path = Path.Join(root, entry.RelativePath);
            if (entry.Type == RootfsEntryType.Special)
            {
                File.Delete(path);
                continue;
            }

            if (entry.Uid != 0 || entry.Gid != 0)
            {
                RootfsStat.Lchown(path, 0, 0);
            }

            if (entry.Type != RootfsEntryType.Symlink && (entry.Mode & ~Keep) != 0)
            {
                // chmod follows links, so it is only ever applied to what lstat saw as a file or directory.
                File.SetUnixFileMode(path, (UnixFileMode)(entry.Mode & Keep));
            }
        }
    }

    private static void EnsureRegularFile(string root, string relative)
    {
        string[] parts = relative.Split('/');
        string current = "";
        for (int i = 0; i < parts.Length; i++)
        {
            current = i == 0 ? parts[0] : current + "/" + parts[i];
            string path = Path.Join(root, current);
            bool last = i == parts.Length - 1;
            RootfsEntryType? type = RootfsStat.Lstat(path, current)?.Type;
            if (type == (last ? RootfsEntryType.File : RootfsEntryType.Directory))
            {
                continue;
            }

            if (type is not null)
            {
                DeleteEntry(path); // a link or the wrong kind of file where the runtime needs its mount point
            }

            if (last)
            {
                File.WriteAllBytes(path, []);
            }
            else
            {
                Directory.CreateDirectory(path);
            }
        }
    }

    private static void DeleteEntry(string path)
    {
        // lstat decides: Directory.Delete(recursive) removes links it meets without following them.
        if (RootfsStat.Lstat(path, path)?.Type == RootfsEntryType.Directory)
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }
}
