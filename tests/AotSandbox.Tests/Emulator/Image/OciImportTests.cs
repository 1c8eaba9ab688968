using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Image;
using static AotSandbox.Tests.Emulator.Image.OciTarballBuilder;

namespace AotSandbox.Tests.Emulator.Image;

/// <summary>
/// OCI tarball import through the image store, as root (the emulator's user): layers apply in order with whiteouts,
/// and a tarball that climbs out with "..", or plants a link and writes through it, is refused without writing
/// outside the cache.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OciImportTests : IDisposable
{
    private readonly string _scratch = Path.Combine("/tmp", "aotsb-ocitest-" + Guid.NewGuid().ToString("N"));
    private readonly string _cache;

    public OciImportTests()
    {
        Directory.CreateDirectory(_scratch, (UnixFileMode)0x1ED);
        _cache = Path.Combine(_scratch, "cache");
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Layers_ApplyInOrder_WithWhiteouts_AndLoseSetuidDevicesAndHiddenParts()
    {
        string tarball = Path.Combine(_scratch, "image.tar");
        Write(tarball,
            new Layer([
                Dir("usr/"), Dir("usr/bin/"), File("usr/bin/sh", "#!shell", (UnixFileMode)0x1ED), Dir("usr/share/"),
                File("usr/share/a.txt", "a"), File("usr/share/b.txt", "b"), Dir("usr/lib/"), Dir("usr/lib/old/"), File("usr/lib/old/x.txt", "x"),
                Link("bin", "usr/bin"), Dir("etc/"), File("etc/passwd", "root:x:0:0::/root:/bin/sh\n"), Link("etc/resolv.conf", "/run/systemd/resolve/stub-resolv.conf"),
            ]),
            new Layer(
            [
                File("usr/share/.wh.a.txt", ""), File("usr/lib/old/.wh..wh..opq", ""), File("usr/lib/old/new.txt", "new"),
                File("usr/bin/su", "setuid!", (UnixFileMode)0x9ED), Device("usr/share/null"), HardLink("usr/share/b2.txt", "usr/share/b.txt"),
                File("usr/share/world-writable", "w", (UnixFileMode)0x1B6), Dir("var/"), File("var/secret", "never kept"),
            ], Gzip: false));

        SandboxImage image = await new ImageStore(_cache).ResolveAsync(new ImageReference(ImageKind.OciTarball, tarball), null, CancellationToken.None);

        string root = image.Root!;
        Assert.Matches("^sha256-[0-9a-f]{64}$", image.Id);
        Assert.Equal(Path.Combine(_cache, image.Id), root);
        Assert.False(System.IO.File.Exists(Path.Combine(root, "usr/share/a.txt")), "the whiteout .wh.a.txt did not delete a.txt");
        Assert.Equal("b", System.IO.File.ReadAllText(Path.Combine(root, "usr/share/b.txt")));
        Assert.Equal("b", System.IO.File.ReadAllText(Path.Combine(root, "usr/share/b2.txt")));
        Assert.False(System.IO.File.Exists(Path.Combine(root, "usr/lib/old/x.txt")), "the opaque whiteout left a lower layer's file");
        Assert.Equal("new", System.IO.File.ReadAllText(Path.Combine(root, "usr/lib/old/new.txt")));
        Assert.Equal((UnixFileMode)0x1ED, System.IO.File.GetUnixFileMode(Path.Combine(root, "usr/bin/su"))); // setuid dropped
        Assert.Equal((UnixFileMode)0x1A4, System.IO.File.GetUnixFileMode(Path.Combine(root, "usr/share/world-writable")));
        Assert.False(Path.Exists(Path.Combine(root, "usr/share/null")), "a device node was extracted");
        Assert.False(Path.Exists(Path.Combine(root, "var")), "/var is not part of what sandboxes see and must not be kept");
        Assert.Contains(image.TopLevel, e => e is { Name: "bin", SymlinkTarget: "usr/bin" });
        Assert.Contains(image.TopLevel, e => e is { Name: "usr", SymlinkTarget: null });
        // The runtime's mount points exist as regular files; the image's resolv.conf link was replaced.
        Assert.Empty(RootfsValidator.MissingMountPoints(root));
        Assert.Empty(RootfsValidator.Problems(root));

        // Cached: a second resolve answers the same id without importing again.
        SandboxImage again = await new ImageStore(_cache).ResolveAsync(new ImageReference(ImageKind.OciTarball, tarball), null, CancellationToken.None);
        Assert.Equal(image.Id, again.Id);
    }

    [Fact]
    public async Task DotDotTraversal_IsRefused_AndWritesNothingOutside()
    {
        string escape = "aotsb-oci-escape-" + Guid.NewGuid().ToString("N");
        string tarball = Path.Combine(_scratch, "traversal.tar");
        Write(tarball, new Layer([Dir("usr/"), File($"usr/../../../../../../tmp/{escape}", "pwned"), File($"usr/../../{escape}", "pwned")]));

        var error = await Assert.ThrowsAsync<SandboxRuntimeUnavailableException>(() =>
            new ImageStore(_cache).ResolveAsync(new ImageReference(ImageKind.OciTarball, tarball), null, CancellationToken.None));

        Assert.Contains("'..'", error.Message, StringComparison.Ordinal);
        Assert.False(Path.Exists("/tmp/" + escape), "the traversal wrote outside the cache");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_scratch, escape, SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_cache), p => Path.GetFileName(p).StartsWith("sha256-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WritingThroughAPlantedLink_IsRefused()
    {
        string outside = Path.Combine(_scratch, "outside");
        Directory.CreateDirectory(outside);
        string tarball = Path.Combine(_scratch, "plant.tar");
        Write(tarball, new Layer([Dir("usr/"), Link("usr/x", outside)]), new Layer([File("usr/x/pwned", "pwned")]));

        var error = await Assert.ThrowsAsync<SandboxRuntimeUnavailableException>(() =>
            new ImageStore(_cache).ResolveAsync(new ImageReference(ImageKind.OciTarball, tarball), null, CancellationToken.None));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public async Task DirectoryImage_WritableByOthersOrNotRootOwned_IsRefused()
    {
        string root = Path.Combine(_scratch, "rootfs");
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"), (UnixFileMode)0x1ED);
        System.IO.File.WriteAllText(Path.Combine(root, "usr/bin/sh"), "");
        Directory.CreateDirectory(Path.Combine(root, "etc"), (UnixFileMode)0x1ED);
        ImagePreparer.Prepare(root); // mount points
        System.IO.File.SetUnixFileMode(root, (UnixFileMode)0x1ED);
        var reference = new ImageReference(ImageKind.Directory, root);
        SandboxImage ok = await new ImageStore(_cache).ResolveAsync(reference, null, CancellationToken.None);
        Assert.Equal(root, ok.Root);

        System.IO.File.WriteAllText(Path.Combine(root, "usr/bin/tool"), "");
        System.IO.File.SetUnixFileMode(Path.Combine(root, "usr/bin/tool"), (UnixFileMode)0x1B6);
        var writable = await Assert.ThrowsAsync<SandboxRuntimeUnavailableException>(() => new ImageStore(_cache).ResolveAsync(reference, null, CancellationToken.None));
        Assert.Contains("/usr/bin/tool (mode 0666) is writable by group or others", writable.Message, StringComparison.Ordinal);

        System.IO.File.SetUnixFileMode(Path.Combine(root, "usr/bin/tool"), (UnixFileMode)0x1A4);
        RootfsStat.Lchown(Path.Combine(root, "usr/bin/tool"), 65534, 65534);
        var foreign = await Assert.ThrowsAsync<SandboxRuntimeUnavailableException>(() => new ImageStore(_cache).ResolveAsync(reference, null, CancellationToken.None));
        Assert.Contains("/usr/bin/tool is owned by uid 65534", foreign.Message, StringComparison.Ordinal);
    }
}
