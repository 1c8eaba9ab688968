using System.Security.Cryptography;

namespace AotSandbox.IntegrationTests.Cli;

/// <summary>
/// The SDK's stream transfers behind `aotsandbox cp` (<see cref="Sandbox.UploadFileAsync"/>,
/// <see cref="Sandbox.DownloadFileAsync"/>): byte-exact, chunked at 512 KiB with one progress report per chunk, and
/// correct at the edges (empty, exact multiple of the chunk size).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class StreamTransferTests(CliFixture fixture)
{
    private const int Chunk = 512 * 1024;

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(2 * Chunk)]
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
        byte[] original = RandomNumberGenerator.GetBytes(size);

        var sent = new Recorder();
        WriteResult written = await sandbox.UploadFileAsync("dir/blob.bin", new MemoryStream(original), sent);
        Assert.True(written.Ok);
        Assert.Equal(size, written.Size);
        Assert.Equal(Math.Max(1, (size + Chunk - 1) / Chunk), sent.Values.Count);
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
