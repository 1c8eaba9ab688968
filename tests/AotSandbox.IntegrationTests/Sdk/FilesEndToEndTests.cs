using System.Security.Cryptography;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>Files through the SDK: text, bytes (binary, empty, large over file.range), listings, errors, rooted paths.</summary>
public abstract class FilesEndToEndTests(SdkEmulatorFixture emulator) : IAsyncLifetime
{
    private Sandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await Sandbox.CreateAsync(emulator.Create("files-tests"));

    public async Task DisposeAsync() => await _sandbox.DestroyAsync();

    [Fact]
    public async Task WriteFile_CreatesParents_ReadBackAndVisibleToCommands()
    {
        WriteResult written = await _sandbox.WriteFileAsync("nested/dir/héllo.txt", "grüße\n");
        string back = await _sandbox.ReadFileAsync("/workspace/nested/dir/héllo.txt");
        ExecResult cat = await _sandbox.Exec("cat nested/dir/héllo.txt", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });

        Assert.True(written.Ok);
        Assert.Equal(8, written.Size);
        Assert.Equal("grüße\n", back);
        Assert.Equal("grüße\n", cat.Stdout);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(700 * 1024)]
    [InlineData(3 * 1024 * 1024 + 17)]
    public async Task Bytes_RoundTripExactly(int length)
    {
        byte[] data = RandomNumberGenerator.GetBytes(length);
        await _sandbox.WriteFileAsync($"blob-{length}.bin", data);
        byte[] back = await _sandbox.ReadFileBytesAsync($"blob-{length}.bin");
        ExecResult sum = await _sandbox.Exec($"sha256sum blob-{length}.bin", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });

        Assert.Equal(data, back);
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(data)), sum.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void FileBinary_IsAdvertisedOnlyByTheExtendedEmulator()
    {
        // The SDK uses file.binary only when advertised (Tests/Sdk/BinaryFileTests), and the strict emulator closes any
        // envelope with 4004 (Integration/Emulator/BinaryFileProtocolTests): so the Strict variant of every test here
        // runs the base protocol's paths, and the Extended one the binary ones.
        Assert.Equal(!emulator.StrictProtocol, _sandbox.Extensions.Contains(SandboxExtensionNames.FileBinary));
    }

    [Fact]
    public async Task Large_32MiB_RoundTripsByteForByte_BothApis()
    {
        byte[] data = RandomNumberGenerator.GetBytes((32 * 1024 * 1024) + 12345);
        string expected = Convert.ToHexStringLower(SHA256.HashData(data));

        await _sandbox.WriteFileAsync("large/a.bin", data);
        byte[] back = await _sandbox.ReadFileBytesAsync("large/a.bin");
        Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(back)));

        WriteResult uploaded = await _sandbox.UploadFileAsync("large/b.bin", new MemoryStream(data));
        using var downloaded = new MemoryStream();
        long received = await _sandbox.DownloadFileAsync("large/b.bin", downloaded);
        ExecResult sums = await _sandbox.Exec("sha256sum large/a.bin large/b.bin", new ExecOptions { Timeout = TimeSpan.FromSeconds(30) });

        Assert.Equal((data.Length, data.Length), (uploaded.Size, received));
        Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(downloaded.ToArray())));
        Assert.Equal($"{expected}  large/a.bin\n{expected}  large/b.bin\n", sums.Stdout);
    }

    [Fact]
    public async Task ListFiles_ReportsFilesWithSizeAndDirectories()
    {
        await _sandbox.WriteFileAsync("list/a.txt", "12345");
        await _sandbox.Exec("mkdir -p list/sub", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
        IReadOnlyList<FileEntry> entries = await _sandbox.ListFilesAsync("list");

        FileEntry file = Assert.Single(entries, e => e.Name == "a.txt");
        Assert.Equal("file", file.Type);
        Assert.Equal(5, file.Size);
        FileEntry dir = Assert.Single(entries, e => e.Name == "sub");
        Assert.True(dir.IsDirectory);
    }

    [Fact]
    public async Task ReadFile_Missing_ThrowsClientExceptionNamingTheProblem()
    {
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => _sandbox.ReadFileAsync("does/not/exist.txt"));
        Assert.Contains("ENOENT", error.ErrorCode ?? error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFile_InvalidUtf8_AsksForTheBytesApi()
    {
        await _sandbox.WriteFileAsync("latin1.bin", new byte[] { 0x66, 0xff, 0x6f });
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => _sandbox.ReadFileAsync("latin1.bin"));
        Assert.Contains(nameof(Sandbox.ReadFileBytesAsync), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteThroughSymlinkToRoot_StaysInsideTheSandbox()
    {
        string hostCanary = Path.Combine("/tmp", "aotsb-canary-" + Guid.NewGuid().ToString("N"));
        await _sandbox.Exec("ln -sfn / rootlink", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
        await _sandbox.WriteFileAsync("rootlink" + hostCanary, "pwned");

        Assert.False(File.Exists(hostCanary), "the write escaped to the host");
        // The kernel resolved the link inside the sandbox: the file is in the sandbox's own /tmp.
        Assert.Equal("pwned", await _sandbox.ReadFileAsync(hostCanary));
        string hostname = await _sandbox.ReadFileAsync("rootlink/etc/hostname");
        Assert.NotEqual(File.ReadAllText("/etc/hostname"), hostname);
    }
}

/// <summary>FilesEndToEndTests against the emulator that offers the protocol extensions.</summary>
[Collection(SdkEmulatorCollection.Name)]
public sealed class FilesEndToEndTestsExtended(SdkEmulatorFixture emulator) : FilesEndToEndTests(emulator);

/// <summary>FilesEndToEndTests against the strict-protocol emulator (the real service's paths: no extensions, 1 MiB frames).</summary>
[Collection(StrictSdkEmulatorCollection.Name)]
public sealed class FilesEndToEndTestsStrict(StrictSdkEmulatorFixture emulator) : FilesEndToEndTests(emulator);
