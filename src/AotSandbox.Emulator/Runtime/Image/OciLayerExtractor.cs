using System.Formats.Tar;

namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// Applies one OCI layer (a tar stream) onto a root filesystem the emulator is building, as root, without ever letting
/// the tarball write outside the root: a path with a ".." component is refused, and every parent directory is checked
/// with lstat to be a real directory (a layer cannot plant a link and then write through it). Whiteouts follow the
/// OCI image spec: ".wh.NAME" deletes NAME from the layers below, ".wh..wh..opq" empties its directory of what the
/// layers below put there. Device nodes and FIFOs are skipped; setuid/setgid/sticky and group/other write bits are
/// dropped; hard links become copies; only the parts a sandbox sees (<see cref="ImageLayout.TopLevelNames"/>) are kept.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class OciLayerExtractor(string root, OciImportLimits limits)
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";
    private const int Keep = 0x1ED; // 0755
    private readonly byte[] _buffer = new byte[1 << 16];
    private long _bytesWritten;
    private int _entries;

    public long BytesWritten => _bytesWritten;

    /// <summary>Device nodes, FIFOs and other entries left out.</summary>
    public int Skipped { get; private set; }

    /// <exception cref="InvalidDataException">A traversal, a write through a link, or a bound exceeded (the whole import is refused).</exception>
    public void Apply(Stream layer)
    {
        var createdHere = new HashSet<string>(StringComparer.Ordinal);
        using var reader = new TarReader(layer, leaveOpen: true);
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            if (++_entries > limits.MaxEntries)
            {
                throw new InvalidDataException($"the image has more than {limits.MaxEntries} entries");
            }

            string? relative = Normalize(entry.Name);
            if (relative is null || !ImageLayout.IsTopLevel(relative.Split('/')[0]))
            {
                continue;
            }

            string name = Path.GetFileName(relative);
            string? parent = Path.GetDirectoryName(relative)?.Replace('\\', '/');
            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                ApplyWhiteout(parent ?? "", name, createdHere);
                continue;
            }

            if (parent is { Length: > 0 })
            {
                EnsureParents(parent, createdHere);
            }

            Write(entry, relative, createdHere);
        }
    }

    /// <summary>The entry's path relative to the root (no "." parts), null for the root itself; refuses "..".</summary>
    public static string? Normalize(string name)
    {
        var parts = new List<string>();
        foreach (string part in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                throw new InvalidDataException($"layer entry '{name}' climbs out of the image with '..'; refusing the image");
            }

            if (part != ".")
            {
                parts.Add(part);
            }
        }

        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    private void ApplyWhiteout(string parent, string name, HashSet<string> createdHere)
    {
        if (parent.Length > 0 && !IsRealDirectoryPath(parent))
        {
            return; // nothing below to hide
        }

        string directory = Path.Join(root, parent);
        if (name == OpaqueMarker)
        {
            foreach (string child in Directory.EnumerateFileSystemEntries(directory).ToList())
            {
                string childRelative = parent.Length == 0 ? Path.GetFileName(child) : parent + "/" + Path.GetFileName(child);
                if (!createdHere.Contains(childRelative))
                {
                    Delete(child);
                }
            }

            return;
        }

        string hidden = name[WhiteoutPrefix.Length..];
        if (hidden.Length == 0 || hidden == "." || hidden == "..")
        {
            throw new InvalidDataException($"whiteout '{parent}/{name}' names no entry; refusing the image");
        }

        string target = Path.Join(directory, hidden);
        if (RootfsStat.Lstat(target, hidden) is not null)
        {
            Delete(target);
        }
    }

    private void EnsureParents(string parent, HashSet<string> createdHere)
    {
        string current = "";
        foreach (string part in parent.Split('/'))
        {
            current = current.Length == 0 ? part : current + "/" + part;
            string path = Path.Join(root, current);
            switch (RootfsStat.Lstat(path, current)?.Type)
            {
                case RootfsEntryType.Directory:
                    break;
                case null:
                    Directory.CreateDirectory(path, (UnixFileMode)Keep);
                    createdHere.Add(current);
                    break;
                case RootfsEntryType.Symlink:
                    throw new InvalidDataException($"a layer writes below '/{current}', which is a symbolic link; refusing the image (it could point outside it)");
                default:
                    throw new InvalidDataException($"a layer writes below '/{current}', which is not a directory; refusing the image");
            }
        }
    }

    private void Write(TarEntry entry, string relative, HashSet<string> createdHere)
    {
        string path = Path.Join(root, relative);
        RootfsEntry? existing = RootfsStat.Lstat(path, relative);
        var mode = (UnixFileMode)((int)entry.Mode & Keep);
        if (entry.EntryType == TarEntryType.Directory)
        {
            if (existing?.Type != RootfsEntryType.Directory)
            {
                if (existing is not null)
                {
                    Delete(path);
                }

                Directory.CreateDirectory(path);
            }

            File.SetUnixFileMode(path, mode);
            createdHere.Add(relative);
            return;
        }

        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Replace(path, existing);
                CopyInto(path, entry.DataStream, mode);
                break;
            case TarEntryType.SymbolicLink:
                Replace(path, existing);
                // The target is only ever resolved inside the sandbox; the extractor never follows it (lstat above).
                File.CreateSymbolicLink(path, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                string? source = Normalize(entry.LinkName);
                if (source is null || !IsRealFile(source))
                {
                    throw new InvalidDataException($"hard link '/{relative}' points at '{entry.LinkName}', which is not a regular file of the image; refusing the image");
                }

                Replace(path, existing);
                using (var from = new FileStream(Path.Join(root, source), FileMode.Open, FileAccess.Read))
                {
                    CopyInto(path, from, File.GetUnixFileMode(Path.Join(root, source)));
                }

                break;
            default:
                Skipped++; // device nodes, FIFOs: a sandbox gets its own minimal /dev
                return;
        }

        createdHere.Add(relative);
    }

    private static void Replace(string path, RootfsEntry? existing)
    {
        if (existing is not null)
        {
            Delete(path);
        }
    }

    private void CopyInto(string path, Stream? data, UnixFileMode mode)
    {
        using var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode });
        if (data is not null)
        {
            int read;
            while ((read = data.Read(_buffer)) > 0)
            {
                _bytesWritten += read;
                if (_bytesWritten > limits.MaxExtractedBytes)
                {
                    throw new InvalidDataException($"the image unpacks to more than {limits.MaxExtractedBytes} bytes");
                }

                file.Write(_buffer, 0, read);
            }
        }

        File.SetUnixFileMode(file.SafeFileHandle, mode); // the create mode went through the umask
    }

    private bool IsRealDirectoryPath(string relative) => IsReal(relative, RootfsEntryType.Directory);

    private bool IsRealFile(string relative) => IsReal(relative, RootfsEntryType.File);

    private bool IsReal(string relative, RootfsEntryType last)
    {
        string[] parts = relative.Split('/');
        string current = "";
        for (int i = 0; i < parts.Length; i++)
        {
            current = i == 0 ? parts[0] : current + "/" + parts[i];
            if (RootfsStat.Lstat(Path.Join(root, current), current)?.Type != (i == parts.Length - 1 ? last : RootfsEntryType.Directory))
            {
                return false;
            }
        }

        return true;
    }

    private static void Delete(string path)
    {
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
