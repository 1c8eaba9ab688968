using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Image;
using AotSandbox.IntegrationTests.Security;

namespace AotSandbox.IntegrationTests.Runtime.Image;

/// <summary>
/// Real sandboxes on the pinned default image: the host's files are gone (canaries), the image's own software runs,
/// the content id is what the cache says, and the isolation guarantees of the host view still hold.
/// </summary>
[Collection(ImageCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ImageSandboxTests(ImageFixture fixture)
{
    private static async Task<string> Out(ISandboxInstance sandbox, string command)
    {
        var (exit, stdout, stderr) = await sandbox.RunAsync(command);
        Assert.True(exit == 0, $"`{command}` exited {exit}: {stdout} {stderr}");
        return stdout.Trim();
    }

    [Fact]
    public async Task HostCanaries_AreVisibleWithHost_AndNotInTheImage()
    {
        foreach (var (path, content) in fixture.Canaries)
        {
            string inImage = await Out(fixture.InImage, $"test -e {path} && echo VISIBLE || echo absent");
            Assert.True(inImage == "absent", $"host file {path} is visible in the default image");
            if (!path.StartsWith("/etc/aotsb-canary-", StringComparison.Ordinal))
            {
                // The host view shows host /usr and /etc/ssl: the same file there proves the canary was a fair test.
                Assert.Equal(content, await Out(fixture.OnHost, "cat " + path));
            }
        }

        Assert.Contains("bookworm", await Out(fixture.InImage, "cat /etc/os-release"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageSoftware_Runs_AndIsTheImagesNotTheHosts()
    {
        Assert.Equal("2", await Out(fixture.InImage, "python3 -c 'import ssl, json, sqlite3; print(1+1)'"));
        Assert.Equal("2", await Out(fixture.InImage, "python -c 'print(1+1)'"));
        Assert.Equal("2", await Out(fixture.InImage, "node -e 'console.log(1+1)'"));
        // Debian bookworm ships Node 18; this machine's host has Node 20 from another repository.
        Assert.StartsWith("v18.", await Out(fixture.InImage, "node --version"), StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+", await Out(fixture.InImage, "npm --version"));
        Assert.StartsWith("git version", await Out(fixture.InImage, "git --version"), StringComparison.Ordinal);
        Assert.StartsWith("curl ", await Out(fixture.InImage, "curl --version"), StringComparison.Ordinal);
        Assert.Equal("ok", await Out(fixture.InImage, "cd /workspace && git init -q r && cd r && git -c user.name=u -c user.email=u@x commit -q --allow-empty -m x && echo ok"));
    }

    [Fact]
    public async Task ContentId_IsStable_AndMatchesTheCachedTree()
    {
        SandboxImage again = await new ImageStore(ImageFixture.ImageOptions.ImageCacheRoot).ResolveAsync(ImageReference.Default, null, CancellationToken.None);
        Assert.Equal(fixture.Image.Id, again.Id);
        // Re-hashing the published tree gives its name back: nothing changed it, and the hash is a function of the tree.
        Assert.Equal(fixture.Image.Id, TreeHasher.Hash(fixture.Image.Root!));
    }

    [Fact]
    public async Task Isolation_HoldsInTheImage()
    {
        ISandboxInstance sandbox = fixture.InImage;
        Assert.Equal("1000 1000 user", await Out(sandbox, "echo $(id -u) $(id -g) $(id -un)"));
        string status = await Out(sandbox, "grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' '");
        Assert.Contains("CapEff: 0000000000000000", status, StringComparison.Ordinal);
        Assert.Contains("NoNewPrivs: 1", status, StringComparison.Ordinal);
        Assert.Single((await Out(sandbox, "cat /proc/self/uid_map")).Split('\n'));
        Assert.Equal("/home/user /workspace user C.UTF-8", await Out(sandbox, "echo $HOME $(pwd) $USER $LANG"));
        // The generated identity files, not the image's.
        Assert.Equal("sandbox", await Out(sandbox, "cat /etc/hostname"));
        Assert.Equal("ok", await Out(sandbox, "grep -q '^user:x:1000:' /etc/passwd && ! grep -q '^_apt' /etc/passwd && echo ok"));
        // No host state and none of the image's own /var, /root, /run.
        Assert.Equal("ok", await Out(sandbox, "test ! -e /root && test ! -e /work && test ! -e /run && test ! -e /var && test ! -e /etc/shadow && echo ok"));
        Assert.Equal("ok", await Out(sandbox, $"test ! -e {ImageFixture.ImageOptions.StateRoot} && test ! -e {ImageFixture.ImageOptions.ImageCacheRoot} && test ! -e /sys/fs/cgroup/memory && echo ok"));
        // Nothing setuid/setgid in what the image shows (dropped when it was prepared).
        // (find exits 1 on the few root-only directories such as /etc/ssl/private; the host-side walk covers those.)
        Assert.Equal("", await Out(sandbox, "find /usr /etc /opt -xdev -perm /6000 2>/dev/null; true"));
        Assert.DoesNotContain(RootfsWalker.Walk(fixture.Image.Root!), e => e.Type != RootfsEntryType.Symlink && (e.Mode & 0xC00) != 0);
        // The image's directories are read-only binds with setuid and device files inert, like the host's /usr.
        foreach (string mount in new[] { "/usr", "/etc" })
        {
            string options = await Out(sandbox, $"awk '$5 == \"{mount}\" {{ print $6 }}' /proc/self/mountinfo | head -1");
            Assert.True(options.Contains("ro", StringComparison.Ordinal) && options.Contains("nosuid", StringComparison.Ordinal) && options.Contains("nodev", StringComparison.Ordinal), $"{mount}: {options}");
        }

        (await sandbox.ProbeAsync("unshare -U true")).AssertRefused("ENOSPC");
        foreach (string write in new[] { "touch /usr/pwned", "touch /pwned", "touch /etc/pwned", "echo x > /etc/passwd", "echo x > /etc/resolv.conf", "cp /bin/true /.aotsandbox/agent" })
        {
            (await sandbox.ProbeAsync(write)).AssertRefused("EROFS");
        }

        (await sandbox.ProbeAsync("ip link set lo down")).AssertRefused("EPERM");
        var pids = (await Out(sandbox, "ls /proc | grep -E '^[0-9]+$'")).Split('\n');
        Assert.True(pids.Length < 10, string.Join(',', pids));
        Assert.Equal("/.aotsandbox/agent", await Out(sandbox, "ps -o args= -p 1"));
        Assert.Equal("ok", await Out(sandbox, "touch /workspace/a /tmp/a /home/user/a /dev/shm/a && echo x > /dev/null && echo ok"));
        Assert.Equal("0 1 2 3", await Out(sandbox, "ls /proc/self/fd | sort -n | tr '\\n' ' '"));
        // Only loopback, read from the tables (see IsolationTests.Network_HasOnlyLoopback for why not a connect).
        Assert.Equal("lo", await Out(sandbox, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"));
        Assert.Equal("", await Out(sandbox, "tail -n +2 /proc/net/route"));
    }
}
