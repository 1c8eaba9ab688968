using System.Diagnostics;
using System.Text;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

[Collection(RuntimeCollection.Name)]
public sealed class FileTests(RuntimeFixture fixture)
{
    private readonly ISandboxInstance _sandbox = fixture.Shared;

    [Fact]
    public async Task WriteReadList_RoundTrip_TextBinaryAndEmpty()
    {
        var binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Assert.Equal(5, await _sandbox.WriteFileAsync("rt/text.txt", "hello"u8.ToArray(), 0, true, CancellationToken.None));
        Assert.Equal(256, await _sandbox.WriteFileAsync("rt/sub/binary.bin", binary, 0, true, CancellationToken.None));
        Assert.Equal(0, await _sandbox.WriteFileAsync("/workspace/rt/empty", ReadOnlyMemory<byte>.Empty, 0, true, CancellationToken.None));

        var text = await _sandbox.ReadFileAsync("rt/text.txt", 0, 1 << 20, CancellationToken.None);
        Assert.Equal("hello", Encoding.UTF8.GetString(text.Data));
        Assert.Equal(5, text.FileSize);
        Assert.Equal(binary, (await _sandbox.ReadFileAsync("/workspace/rt/sub/binary.bin", 0, 1 << 20, CancellationToken.None)).Data);
        var empty = await _sandbox.ReadFileAsync("rt/empty", 0, 100, CancellationToken.None);
        Assert.Empty(empty.Data);
        Assert.Equal(0, empty.FileSize);

        var entries = await _sandbox.ListFilesAsync("rt", CancellationToken.None);
        Assert.Equal(["empty", "sub", "text.txt"], entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.True(entries.Single(e => e.Name == "sub").IsDirectory);
        Assert.Equal(5, entries.Single(e => e.Name == "text.txt").Size);

        var (_, stdout, _) = await _sandbox.RunAsync("cat rt/text.txt; stat -c %u rt/sub/binary.bin");
        Assert.Equal("hello1000\n", stdout);
    }

    [Fact]
    public async Task OffsetsAndLargeFiles_ArePagedCorrectly()
    {
        var data = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(data);
        Assert.Equal(data.Length, await _sandbox.WriteFileAsync("big.bin", data, 0, true, CancellationToken.None));
        var whole = await _sandbox.ReadFileAsync("big.bin", 0, data.Length + 100, CancellationToken.None);
        Assert.Equal(data, whole.Data);
        var middle = await _sandbox.ReadFileAsync("big.bin", 1000, 10, CancellationToken.None);
        Assert.Equal(data.AsSpan(1000, 10).ToArray(), middle.Data);
        Assert.Equal(data.Length, middle.FileSize);
        await _sandbox.WriteFileAsync("big.bin", "XY"u8.ToArray(), 5, false, CancellationToken.None);
        Assert.Equal("XY"u8.ToArray(), (await _sandbox.ReadFileAsync("big.bin", 5, 2, CancellationToken.None)).Data);
    }

    [Fact]
    public async Task Errors_CarryErrnoNames()
    {
        Assert.Equal("ENOENT", (await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.ReadFileAsync("missing", 0, 10, CancellationToken.None).AsTask())).Code);
        Assert.Equal("EISDIR", (await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.ReadFileAsync("/workspace", 0, 10, CancellationToken.None).AsTask())).Code);
        Assert.Equal("EINVAL", (await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.ReadFileAsync("", 0, 10, CancellationToken.None).AsTask())).Code);
        Assert.Equal("EINVAL", (await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.ReadFileAsync("a\0b", 0, 10, CancellationToken.None).AsTask())).Code);
        Assert.Equal("ENAMETOOLONG", (await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.ReadFileAsync(new string('a', 5000), 0, 10, CancellationToken.None).AsTask())).Code);
        Assert.Equal("EROFS", (await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.WriteFileAsync("/usr/pwned", "x"u8.ToArray(), 0, true, CancellationToken.None).AsTask())).Code);
        await _sandbox.WriteFileAsync("rt-file", "x"u8.ToArray(), 0, true, CancellationToken.None);
        Assert.Equal("ENOTDIR", (await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.ListFilesAsync("rt-file", CancellationToken.None).AsTask())).Code);
    }

    [Fact]
    public async Task FifoAndDevice_AreRefusedPromptly()
    {
        Assert.Equal(0, (await _sandbox.RunAsync("mkfifo /workspace/pipe")).Exit);
        var stopwatch = Stopwatch.StartNew();
        var fifo = await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.ReadFileAsync("pipe", 0, 10, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("EINVAL", fifo.Code);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1));
        Assert.Equal("EINVAL", (await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.ReadFileAsync("/dev/zero", 0, 10, CancellationToken.None).AsTask())).Code);
        await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.WriteFileAsync("pipe", "x"u8.ToArray(), 0, false, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task SymlinkToRoot_ResolvesInsideTheSandbox()
    {
        var canaryName = "aotsandbox-canary-" + Guid.NewGuid().ToString("N");
        var hostCanary = Path.Combine("/etc", canaryName);
        var canaryContent = Guid.NewGuid().ToString();
        await File.WriteAllTextAsync(hostCanary, canaryContent);
        try
        {
            Assert.Equal(0, (await _sandbox.RunAsync("ln -sfn / /workspace/root && ln -sfn /etc/" + canaryName + " /workspace/canary-link")).Exit);

            // Write through the link: it lands in the sandbox's /tmp, never in the host's.
            await _sandbox.WriteFileAsync("root/tmp/" + canaryName, "inside"u8.ToArray(), 0, true, CancellationToken.None);
            Assert.Equal("inside", (await _sandbox.RunAsync("cat /tmp/" + canaryName)).Stdout);
            Assert.False(File.Exists("/tmp/" + canaryName));

            // The host canary is invisible through the links and cannot be overwritten through them.
            Assert.Equal("ENOENT", (await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.ReadFileAsync("root/etc/" + canaryName, 0, 100, CancellationToken.None).AsTask())).Code);
            await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.WriteFileAsync("canary-link", "pwned"u8.ToArray(), 0, true, CancellationToken.None).AsTask());
            await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.WriteFileAsync("root/etc/" + canaryName, "pwned"u8.ToArray(), 0, true, CancellationToken.None).AsTask());
            await Assert.ThrowsAsync<SandboxFileException>(() => _sandbox.WriteFileAsync("../../../etc/" + canaryName, "pwned"u8.ToArray(), 0, true, CancellationToken.None).AsTask());
            Assert.Equal(canaryContent, await File.ReadAllTextAsync(hostCanary));

            var entries = await _sandbox.ListFilesAsync("root", CancellationToken.None);
            Assert.Contains(entries, e => e.Name == "workspace" && e.IsDirectory);
            Assert.DoesNotContain(entries, e => e.Name is "root" or "work" or "var" or "run");
        }
        finally
        {
            File.Delete(hostCanary);
        }
    }
}
