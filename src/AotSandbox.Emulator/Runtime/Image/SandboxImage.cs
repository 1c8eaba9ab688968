namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// A resolved root filesystem ready to be bound into sandboxes: its directory on the host, its content id
/// (<see cref="TreeHasher"/>) and the top-level entries bwrap binds (directories) or recreates (symbolic links).
/// <see cref="HostView"/> (null root) means the host's /usr as before.
/// </summary>
internal sealed record SandboxImage(string? Root, string Id, IReadOnlyList<ImageTopLevelEntry> TopLevel)
{
    /// <summary>The host's own /usr and /etc selection (no image).</summary>
    public static readonly SandboxImage HostView = new(null, "host", []);

    public bool IsHost => Root is null;
}

/// <summary>One entry directly under the image root: a directory to bind read-only, or a symlink with its target.</summary>
internal readonly record struct ImageTopLevelEntry(string Name, string? SymlinkTarget);
