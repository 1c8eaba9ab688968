using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// The content id of an image: SHA-256 over a canonical listing of what a sandbox sees (<see cref="RootfsWalker"/>
/// order), one record per path with its type, permission bits, owner, group, size, and the SHA-256 of a file's
/// content or a link's target. Timestamps are left out on purpose: two builds of the same packages differ only there.
/// Each field is length-prefixed, so no file name (newlines included) can make two listings collide.
/// </summary>
internal static class TreeHasher
{
    /// <summary>"sha256-&lt;64 hex&gt;" of the tree under <paramref name="root"/>.</summary>
    public static string Hash(string root, int maxEntries = RootfsWalker.DefaultMaxEntries)
    {
        using var listing = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            foreach (RootfsEntry entry in RootfsWalker.Walk(root, maxEntries))
            {
                string detail = entry.Type switch
                {
                    RootfsEntryType.File => HashFile(Path.Join(root, entry.RelativePath), buffer),
                    RootfsEntryType.Symlink => new FileInfo(Path.Join(root, entry.RelativePath)).LinkTarget ?? "",
                    _ => "",
                };
                long size = entry.Type == RootfsEntryType.File ? entry.Size : 0;
                Append(listing, entry.Type.ToString());
                Append(listing, entry.ModeText);
                Append(listing, string.Create(CultureInfo.InvariantCulture, $"{entry.Uid}:{entry.Gid}:{size}"));
                Append(listing, entry.RelativePath);
                Append(listing, detail);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return "sha256-" + Convert.ToHexStringLower(listing.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string field)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(field);
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }

    private static string HashFile(string path, byte[] buffer)
    {
        using var file = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            file.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(file.GetHashAndReset());
    }
}
