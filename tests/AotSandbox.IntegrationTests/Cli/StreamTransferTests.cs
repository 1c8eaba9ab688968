using System.Security.Cryptography;

namespace AotSandbox.IntegrationTests.Cli;

/// <summary>
/// The SDK's stream transfers behind `aotsandbox cp` (<see cref="Sandbox.UploadFileAsync"/>,
/// <see cref="Sandbox.DownloadFileAsync"/>): byte-exact, chunked with one progress report per chunk (512 KiB with
/// file.range alone, 1016 KiB of raw bytes with file.binary, which this emulator offers), and correct at the edges
/// (empty, exact multiples of either chunk size).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class StreamTransferTests(CliFixture fixture)
{
    private const int JsonChunk = 512 * 1024;
    private const int BinaryChunk = 1016 * 1024;

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(2 * JsonChunk)]
    [InlineData(2 * BinaryChunk)]
    [InlineData((3 * 1024 * 1024) + 123)]
    public async Task UploadThenDownload_IsByteExact_WithOneProgressReportPerChunk(int size)
    {
        await using Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions
        {
            ApiHost = fixture.Server.ApiHost,
            Namespace = fixture.Server.Namespace,
            ApiKey = fixture.Server.ApiKey,
            Size = SandboxSize.Small,
        });
        Assert.Contains(SandboxExtensionNames.FileRange, sandbox.Extensions);
        int chunk = sandbox.Extensions.Contains(SandboxExtensionNames.FileBinary) ? BinaryChunk : JsonChunk;
        byte[] original = RandomNumberGenerator.GetBytes(size);

        var sent = new Recorder();
        WriteResult written = await sandbox.UploadFileAsync("dir/blob.bin", new MemoryStream(original), sent);
        Assert.True(written.Ok);
        Assert.Equal(size, written.Size);
        Assert.Equal(Math.Max(1, (size + chunk - 1) / chunk), sent.Values.Count);
        Assert.Equal(size, sent.Values[^1]);
        Assert.Equal(sent.Values.Order(), sent.Values);

        ExecResult sum = await sandbox.Exec("sha256sum dir/blob.bin", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(original)), sum.Stdout, StringComparison.Ordinal);

        var received = new Recorder();
        using var back = new MemoryStream();
        long count = await sandbox.DownloadFileAsync("dir/blob.bin", back, received);
        Assert.Equal(size, count);
        Assert.True(original.AsSpan().SequenceEqual(back.ToArray()), "downloaded bytes differ");
        Assert.Equal(size, received.Values[^1]);
        await sandbox.DestroyAsync();
    }

    /// <summary>Records synchronously (Progress&lt;T&gt; would post to the thread pool and race the assertions).</summary>
    private sealed class Recorder : IProgress<long>
    {
        public List<long> Values { get; } = [];

        public void Report(long value)
        {
            lock (Values)
            {
                Values.Add(value);
            }
        }
    }
}
