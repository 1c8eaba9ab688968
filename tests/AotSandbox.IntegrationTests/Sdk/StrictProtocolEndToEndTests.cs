using System.Security.Cryptography;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// What only the strict-protocol emulator (the real service's behaviour) exercises: no extensions advertised, the
/// 1 MiB message cap, and files larger than one frame moved by commands (docs/PROTOCOL.md §3.8, §4.4).
/// </summary>
[Collection(StrictSdkEmulatorCollection.Name)]
public sealed class StrictProtocolEndToEndTests(StrictSdkEmulatorFixture emulator) : IAsyncLifetime
{
    private Sandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await Sandbox.CreateAsync(emulator.Create("strict-tests"));

    public async Task DisposeAsync() => await _sandbox.DestroyAsync();

    [Fact]
    public async Task CreateAndStatus_AdvertiseNoExtensions()
    {
        Assert.Empty(_sandbox.Extensions);
        await using Sandbox again = await Sandbox.AttachAsync(_sandbox.Id, _sandbox.SessionToken!, emulator.Connection());
        Assert.Empty(again.Extensions);
    }

    [Fact]
    public async Task MessageOverOneMebibyte_ClosesTheConnectionWith1009()
    {
        await using Sandbox second = await Sandbox.AttachAsync(_sandbox.Id, _sandbox.SessionToken!, emulator.Connection());
        DetachedCommand sink = await second.StartDetachedAsync("cat > /dev/null");
        // 800 KiB of stdin is ~1.07 MiB of base64 in one exec.input frame: over the service's cap.
        await second.WriteStdinAsync(sink.ExecId, new byte[800 * 1024]);

        SandboxException closed = await Assert.ThrowsAnyAsync<SandboxException>(() => sink.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1009, closed.CloseCode);
    }

    [Fact]
    public async Task LargeWrite_IntoAPathThatCannotExist_FailsWithTheCommandsReason()
    {
        await _sandbox.WriteFileAsync("blocker", "a file, not a directory");
        byte[] data = RandomNumberGenerator.GetBytes(600 * 1024); // over one frame: goes by command

        var error = await Assert.ThrowsAsync<SandboxClientException>(() => _sandbox.WriteFileAsync("blocker/inner.bin", data));
        Assert.Contains("blocker", error.Message, StringComparison.Ordinal);
        Assert.Contains("exit code", error.Message, StringComparison.Ordinal);
        ExecResult leftovers = await _sandbox.Exec("ls -A", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
        Assert.DoesNotContain(".aotsb-upload-", leftovers.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LargeUpload_ReplacesTheFileAtomically_LeavingNoTemporary()
    {
        await _sandbox.WriteFileAsync("dir/target.bin", "old");
        byte[] data = RandomNumberGenerator.GetBytes((5 * 1024 * 1024) + 3); // two upload commands
        var reports = new List<long>();
        using var source = new MemoryStream(data);
        WriteResult written = await _sandbox.UploadFileAsync("dir/target.bin", source, new SynchronousProgress(reports.Add));

        Assert.True(written.Ok);
        Assert.Equal(data.Length, written.Size);
        Assert.Equal([4 * 1024 * 1024, data.Length], reports);
        Assert.Equal(data, await _sandbox.ReadFileBytesAsync("dir/target.bin"));
        ExecResult listing = await _sandbox.Exec("ls -A dir", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
        Assert.Equal("target.bin\n", listing.Stdout);
    }

    [Fact]
    public async Task LargeDownload_OfADirectory_NamesTheProblem()
    {
        await _sandbox.Exec("mkdir -p adir", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => _sandbox.DownloadFileAsync("adir", Stream.Null));
        Assert.Contains("EISDIR", error.ErrorCode ?? error.Message, StringComparison.Ordinal);
    }
}

/// <summary>Progress that reports on the caller's thread (Progress&lt;T&gt; posts, so its order is not the call order).</summary>
internal sealed class SynchronousProgress(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}
