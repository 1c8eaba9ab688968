using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace AotSandbox.Emulator.Runtime;

/// <summary>
/// Where the emulator (root) keeps state on the host, and how it writes there, so that no unprivileged user can make
/// it write through a path they planted. A state directory is trusted only when every component of its path is a
/// real directory (no symlink) owned by the emulator's user, the directory itself is writable by nobody else, and
/// every ancestor is either writable by nobody else or sticky (like /tmp, where others cannot rename or delete what
/// root created). Files are created with O_CREAT|O_EXCL (a planted symlink fails instead of being followed) and, when
/// they replace an older copy, renamed into place (rename replaces a link, never writes through it).
/// </summary>
internal static partial class TrustedStatePath
{
    /// <summary>rwxr-xr-x: the sandbox's pool uid must read the files the runtime binds from here (bwrap runs as that uid).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>rw-r--r--.</summary>
    public const UnixFileMode ReadableFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxTypeModeUid = 0x1 | 0x2 | 0x8; // STATX_TYPE | STATX_MODE | STATX_UID
    private const int Enoent = 2;
    private const int FileTypeMask = 0xF000;
    private const int FileTypeDirectory = 0x4000;
    private const int FileTypeSymlink = 0xA000;
    private const int GroupOrOtherWrite = 0x12; // 0022
    private const int Sticky = 0x200; // 01000

    /// <summary>
    /// Creates <paramref name="path"/> (and missing ancestors, with <see cref="DirectoryMode"/>) or accepts an existing
    /// one only when it is trusted (see the class summary).
    /// </summary>
    /// <exception cref="SandboxRuntimeUnavailableException">A component is untrusted (one line: which, why, what to do).</exception>
    public static void EnsureDirectory(string path) => Walk(path, create: true, "state directory ");

    /// <summary>
    /// Accepts an existing directory only when it is trusted by the same rules as <see cref="EnsureDirectory"/>, without
    /// creating anything: for directories the emulator reads and hands to sandboxes (an image given as --image DIR).
    /// </summary>
    /// <exception cref="SandboxRuntimeUnavailableException">Missing or untrusted (one line: which component, why).</exception>
    public static void VerifyExisting(string path) => Walk(path, create: false, string.Empty);

    /// <summary>Checks every component from / down to <paramref name="path"/>; missing ones are made when <paramref name="create"/>.</summary>
    private static void Walk(string path, bool create, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        if (!Path.IsPathFullyQualified(path))
        {
            throw new SandboxRuntimeUnavailableException($"{what}'{path}' must be an absolute path");
        }

        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        uint owner = GetEffectiveUserId();
        Verify("/", Stat("/") ?? throw new SandboxRuntimeUnavailableException("cannot stat /"), owner, isTarget: full == "/");
        string current = "/";
        string[] parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            current = Path.Join(current, parts[i]);
            FileStatus? status = Stat(current);
            if (status is null)
            {
                if (!create)
                {
                    throw new SandboxRuntimeUnavailableException($"'{current}' does not exist");
                }

                // mkdir(2) never follows a planted final symlink (EEXIST), and the re-check below sees who made it if
                // someone raced us in a sticky directory.
                Directory.CreateDirectory(current, DirectoryMode);
                status = Stat(current) ?? throw new SandboxRuntimeUnavailableException($"{what}'{current}' vanished while being created");
            }

            Verify(current, status.Value, owner, isTarget: i == parts.Length - 1);
        }
    }

    /// <summary>
    /// Creates <paramref name="path"/> exclusively (O_CREAT|O_EXCL: fails on anything already there, a symlink
    /// included) with <paramref name="mode"/>. For fresh directories the runtime just created.
    /// </summary>
    public static void CreateNewFile(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = mode,
        });
        File.SetUnixFileMode(stream.SafeFileHandle, mode); // the create mode went through the umask
        stream.Write(content);
    }

    /// <summary>
    /// Replaces <c><paramref name="directory"/>/<paramref name="name"/></c> atomically: writes a new, exclusively
    /// created file beside it and renames it over the old one (readers never see half a file; a planted link at the
    /// name is replaced, not followed). <paramref name="directory"/> must have passed <see cref="EnsureDirectory"/>.
    /// </summary>
    public static void ReplaceFile(string directory, string name, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string target = Path.Join(directory, name);
        string temporary = Path.Join(directory, "." + name + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + ".tmp");
        try
        {
            CreateNewFile(temporary, content, mode);
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void Verify(string path, FileStatus status, uint owner, bool isTarget)
    {
        const string Fix = "remove it, or point the emulator's state (--state-dir / --instance) at a directory only root can write";
        if ((status.Mode & FileTypeMask) == FileTypeSymlink)
        {
            throw new SandboxRuntimeUnavailableException($"refusing state path '{path}': it is a symbolic link; use the real path, or {Fix}");
        }

        if ((status.Mode & FileTypeMask) != FileTypeDirectory)
        {
            throw new SandboxRuntimeUnavailableException($"refusing state path '{path}': it is not a directory; {Fix}");
        }

        if (status.Uid != owner)
        {
            throw new SandboxRuntimeUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"refusing state directory '{path}': it is owned by uid {status.Uid}, not {owner} (someone else could plant files the emulator would write through); {Fix}"));
        }

        bool othersWrite = (status.Mode & GroupOrOtherWrite) != 0;
        if (othersWrite && (isTarget || (status.Mode & Sticky) == 0))
        {
            throw new SandboxRuntimeUnavailableException(
                $"refusing state directory '{path}': mode {Convert.ToString(status.Mode & 0xFFF, 8)} lets group or others write into it; {Fix}");
        }
    }

    private static unsafe FileStatus? Stat(string path)
    {
        // struct statx (linux/stat.h) has one layout on every architecture: stx_uid at 20, stx_mode (u16) at 28.
        byte* buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxTypeModeUid, buffer) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            if (error == Enoent)
            {
                return null;
            }

            throw new SandboxRuntimeUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"cannot inspect state path '{path}' (errno {error}): {Marshal.GetPInvokeErrorMessage(error)}"));
        }

        return new FileStatus(*(uint*)(buffer + 20), *(ushort*)(buffer + 28));
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    private readonly record struct FileStatus(uint Uid, int Mode);
}
