using System.Globalization;
using System.Runtime.InteropServices;

namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>The kinds of file a root filesystem may hold.</summary>
internal enum RootfsEntryType
{
    Directory,
    File,
    Symlink,

    /// <summary>Device nodes, FIFOs, sockets: never wanted in an image.</summary>
    Special,
}

/// <summary>One path of a root filesystem as lstat sees it (never following a link).</summary>
/// <param name="RelativePath">Slash-separated, relative to the root, no leading slash.</param>
/// <param name="Type">What lstat says the path is.</param>
/// <param name="Mode">Permission bits including setuid/setgid/sticky (07777).</param>
/// <param name="Uid">Owner.</param>
/// <param name="Gid">Group.</param>
/// <param name="Size">Bytes (a file's content length, a link's target length).</param>
internal readonly record struct RootfsEntry(string RelativePath, RootfsEntryType Type, int Mode, uint Uid, uint Gid, long Size)
{
    public string ModeText => Convert.ToString(Mode, 8).PadLeft(4, '0');

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Type} {ModeText} {Uid}:{Gid} {Size} /{RelativePath}");
}

/// <summary>lstat through statx(2), which .NET does not expose with owner and group.</summary>
internal static partial class RootfsStat
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint Mask = 0x1 | 0x2 | 0x8 | 0x10 | 0x200; // TYPE | MODE | UID | GID | SIZE
    private const int Enoent = 2;

    /// <summary>The entry at <paramref name="path"/> (not following a final link), or null when nothing is there.</summary>
    public static unsafe RootfsEntry? Lstat(string path, string relativePath)
    {
        // struct statx (linux/stat.h), the same on every architecture: uid @20, gid @24, mode (u16) @28, size @40.
        byte* buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, Mask, buffer) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            if (error == Enoent)
            {
                return null;
            }

            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"cannot inspect '{path}' (errno {error}): {Marshal.GetPInvokeErrorMessage(error)}"));
        }

        int mode = *(ushort*)(buffer + 28);
        RootfsEntryType type = (mode & 0xF000) switch
        {
            0x4000 => RootfsEntryType.Directory,
            0x8000 => RootfsEntryType.File,
            0xA000 => RootfsEntryType.Symlink,
            _ => RootfsEntryType.Special,
        };
        return new RootfsEntry(relativePath, type, mode & 0xFFF, *(uint*)(buffer + 20), *(uint*)(buffer + 24), *(long*)(buffer + 40));
    }

    /// <summary>Sets owner and group of <paramref name="path"/> itself (a link is not followed).</summary>
    public static void Lchown(string path, uint uid, uint gid)
    {
        if (LchownNative(path, uid, gid) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"cannot change the owner of '{path}' (errno {error}): {Marshal.GetPInvokeErrorMessage(error)}"));
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LchownNative(string path, uint uid, uint gid);
}
