namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// Which parts of an image a sandbox sees, and the mount points the runtime needs inside it. Only software
/// directories are taken from an image: /proc, /dev, /tmp, /home, /workspace stay the runtime's own, and an image's
/// /var, /root, /run, /srv, /boot are never shown, exactly like the host's in host mode.
/// </summary>
internal static class ImageLayout
{
    /// <summary>Where built and imported images are cached unless configured otherwise (persistent, unlike /run).</summary>
    public const string DefaultCacheRoot = "/var/cache/aotsandbox/images";

    /// <summary>Top-level names bound read-only from an image (directories) or recreated (symbolic links).</summary>
    public static readonly string[] TopLevelNames = ["bin", "etc", "lib", "lib32", "lib64", "libx32", "opt", "sbin", "usr"];

    /// <summary>Files the runtime binds its own copies over (generated /etc, CA bundle, resolver); each must be a regular file in the image.</summary>
    public static readonly string[] MountPointFiles =
    [
        "etc/passwd", "etc/group", "etc/hosts", "etc/hostname", "etc/resolv.conf", "etc/nsswitch.conf",
        "etc/aotsandbox/ca-bundle.pem", "etc/ssl/certs/ca-certificates.crt",
    ];

    /// <summary>Files of the generated /etc (StateDirectory) bound over the image's.</summary>
    public static readonly string[] GeneratedEtcFiles = ["passwd", "group", "hosts", "hostname", "resolv.conf", "nsswitch.conf"];

    public static bool IsTopLevel(string name) => Array.IndexOf(TopLevelNames, name) >= 0;
}
