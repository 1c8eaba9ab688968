namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// Host-side files of one sandbox under <c>&lt;StateRoot&gt;/sandboxes/&lt;id&gt;</c>: the minimal /etc that is bound
/// read-only into the sandbox. The sandbox sees nothing else of the host's /etc except a few read-only
/// directories programs need (TLS roots, alternatives symlinks, the loader cache, the time zone).
/// </summary>
internal sealed class StateDirectory
{
    /// <summary>Host /etc entries bound read-only over placeholders in the generated /etc, when they exist.</summary>
    public static readonly string[] HostEtcDirectories = ["ssl", "ca-certificates", "alternatives"];

    public static readonly string[] HostEtcFiles = ["ld.so.cache"];

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public StateDirectory(string stateRoot, string id)
    {
        Root = Path.Combine(SandboxesRoot(stateRoot), id);
        Etc = Path.Combine(Root, "etc");
    }

    public string Root { get; }

    /// <summary>The generated /etc (bwrap reads it as the pool uid, so every component is world-readable).</summary>
    public string Etc { get; }

    public static string SandboxesRoot(string stateRoot) => Path.Combine(stateRoot, "sandboxes");

    public void Create()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        TrustedStatePath.EnsureDirectory(Etc);
        WriteFile("passwd", "user:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        WriteFile("group", "user:x:1000:\nnogroup:x:65534:\n");
        WriteFile("hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n127.0.1.1 sandbox\n");
        WriteFile("hostname", "sandbox\n");
        WriteFile("resolv.conf", "nameserver 127.0.0.1\n");
        WriteFile("nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n");
        foreach (var name in HostEtcDirectories.Where(n => Directory.Exists(Path.Combine("/etc", n))))
        {
            Directory.CreateDirectory(Path.Combine(Etc, name), DirectoryMode);
        }

        foreach (var name in HostEtcFiles.Where(n => File.Exists(Path.Combine("/etc", n))))
        {
            WriteFile(name, "");
        }
        // /etc/localtime is a symlink into /usr/share/zoneinfo on Debian, which the sandbox already sees.
        var localtime = new FileInfo("/etc/localtime");
        if (localtime.LinkTarget is { } target)
        {
            File.CreateSymbolicLink(Path.Combine(Etc, "localtime"), target);
        }
    }

    /// <summary>
    /// bwrap cannot create a mount point inside the read-only generated /etc, so files other layers bind under /etc
    /// (e.g. <c>/etc/aotsandbox/ca-bundle.pem</c>) get an empty placeholder here first. Paths under the host-bound
    /// directories (/etc/ssl, ...) must already exist there and are left alone.
    /// </summary>
    public void PrepareMountPoints(IEnumerable<SandboxMount> mounts)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        foreach (SandboxMount mount in mounts)
        {
            if (!mount.SandboxPath.StartsWith("/etc/", StringComparison.Ordinal))
            {
                continue;
            }

            string relative = mount.SandboxPath["/etc/".Length..];
            string first = relative.Split('/')[0];
            if (relative.Length == 0 || relative.Contains("..", StringComparison.Ordinal) || HostEtcDirectories.Contains(first) || HostEtcFiles.Contains(first))
            {
                continue;
            }

            string directory = Path.GetDirectoryName(relative) ?? "";
            if (directory.Length > 0)
            {
                Directory.CreateDirectory(Path.Combine(Etc, directory), DirectoryMode);
            }

            if (!File.Exists(Path.Combine(Etc, relative)))
            {
                WriteFile(relative, "");
            }
        }
    }

    /// <summary>Deletes the directory if it exists (idempotent).</summary>
    public void Delete()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private void WriteFile(string name, string content)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }
        // Exclusive: the directory is fresh, so anything already at the name (a link included) is an error, not a target.
        TrustedStatePath.CreateNewFile(Path.Combine(Etc, name), System.Text.Encoding.UTF8.GetBytes(content), TrustedStatePath.ReadableFileMode);
    }
}
