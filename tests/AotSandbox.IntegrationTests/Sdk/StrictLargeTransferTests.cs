using System.Diagnostics;
using System.Security.Cryptography;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// 50 MB up and down against the strict-protocol emulator (no file.range: the transfers go by command), byte-exact,
/// with the client's memory bounded. Runs alone so the process-wide heap and RSS readings belong to this transfer.
/// </summary>
[Collection(StrictLargeTransferCollection.Name)]
public sealed class StrictLargeTransferTests(StrictLargeTransferFixture emulator, ITestOutputHelper output)
{
    private const long FileBytes = 50L * 1000 * 1000;

    /// <summary>
    /// Live managed heap growth allowed during a transfer. Holding the file would take ≥ 50 MB (its base64 as a string
    /// 133 MB); the fallback holds one 256 KiB input frame or one 64 KiB output chunk, plus the emulator's own bounded
    /// queues (same process).
    /// </summary>
    private const long MaxHeapGrowthBytes = 24L * 1024 * 1024;

    /// <summary>Resident set growth allowed: the heap bound plus room for the GC's and Kestrel's own pools.</summary>
    private const long MaxRssGrowthBytes = 96L * 1024 * 1024;

    [Fact]
    public async Task FiftyMegabytes_RoundTripByteExact_WithBoundedClientMemory()
    {
        await using Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("big-transfer"));
        Assert.Empty(sandbox.Extensions);
        try
        {
            using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var uploadReports = new List<long>();
            (WriteResult written, MemoryPeak uploadPeak) = await MeasureAsync(() =>
                sandbox.UploadFileAsync("big.bin", new PseudoRandomStream(FileBytes, sentHash), new SynchronousProgress(uploadReports.Add)));
            byte[] sent = sentHash.GetHashAndReset();

            ExecResult sum = await sandbox.Exec("sha256sum big.bin", new ExecOptions { Timeout = TimeSpan.FromSeconds(60) });

            using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var downloadReports = new List<long>();
            var sink = new HashingSink(receivedHash);
            (long received, MemoryPeak downloadPeak) = await MeasureAsync(() =>
                sandbox.DownloadFileAsync("big.bin", sink, new SynchronousProgress(downloadReports.Add)));

            output.WriteLine($"upload: {uploadPeak}; download: {downloadPeak}; upload reports {uploadReports.Count}, download reports {downloadReports.Count}");
            Assert.True(written.Ok);
            Assert.Equal(FileBytes, written.Size);
            Assert.StartsWith(Convert.ToHexStringLower(sent), sum.Stdout, StringComparison.Ordinal);
            Assert.Equal(FileBytes, received);
            Assert.Equal(FileBytes, sink.Length);
            Assert.Equal(sent, receivedHash.GetHashAndReset());
            Assert.True(uploadReports.Count >= 12 && uploadReports[^1] == FileBytes, "upload progress: " + string.Join(',', uploadReports));
            Assert.True(downloadReports.Count >= 100 && downloadReports[^1] == FileBytes && downloadReports.SequenceEqual(downloadReports.Order()), "download progress must rise in many steps to the size");
            Assert.True(uploadPeak.HeapGrowth < MaxHeapGrowthBytes, $"upload heap growth {uploadPeak}");
            Assert.True(downloadPeak.HeapGrowth < MaxHeapGrowthBytes, $"download heap growth {downloadPeak}");
            Assert.True(uploadPeak.RssGrowth < MaxRssGrowthBytes, $"upload RSS growth {uploadPeak}");
            Assert.True(downloadPeak.RssGrowth < MaxRssGrowthBytes, $"download RSS growth {downloadPeak}");
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }

    /// <summary>Runs <paramref name="transfer"/> while sampling the live heap (after a full collection) and the RSS.</summary>
    private static async Task<(T Result, MemoryPeak Peak)> MeasureAsync<T>(Func<Task<T>> transfer)
    {
        long heapBase = GC.GetTotalMemory(forceFullCollection: true);
        using Process self = Process.GetCurrentProcess();
        long rssBase = self.WorkingSet64;
        long heapPeak = heapBase;
        long rssPeak = rssBase;
        using var done = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: true));
                self.Refresh();
                rssPeak = Math.Max(rssPeak, self.WorkingSet64);
                try
                {
                    await Task.Delay(200, done.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        Stopwatch clock = Stopwatch.StartNew();
        T result = await transfer();
        clock.Stop();
        await done.CancelAsync();
        await sampler;
        return (result, new MemoryPeak(heapPeak - heapBase, rssPeak - rssBase, clock.Elapsed));
    }

    private readonly record struct MemoryPeak(long HeapGrowth, long RssGrowth, TimeSpan Elapsed)
    {
        public override string ToString() =>
            $"heap +{HeapGrowth / (1024.0 * 1024):F1} MiB, RSS +{RssGrowth / (1024.0 * 1024):F1} MiB, {Elapsed.TotalSeconds:F1} s";
    }

    /// <summary>Deterministic bytes generated on demand (no 50 MB buffer in the test), hashed as they are read.</summary>
    private sealed class PseudoRandomStream(long length, IncrementalHash hash) : Stream
    {
        private readonly Random _random = new(13);
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, length - _position);
            _random.NextBytes(buffer[..n]);
            hash.AppendData(buffer[..n]);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Hashes and counts what is written, keeping nothing.</summary>
    private sealed class HashingSink(IncrementalHash hash) : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            _length += buffer.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
