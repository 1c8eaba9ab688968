using System.Diagnostics;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// Issue 12 item 4: sandbox code makes a directory no listing should carry whole (60,000 files with 200-byte
/// control-character names, which JSON escapes six-fold). file.list must answer fast with a clear LIMIT_EXCEEDED
/// error the SDK surfaces, without growing the emulator, while a directory within the bounds still lists.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class FileListBoundTests(SecurityFixture fixture) : Battery(fixture)
{
    [Fact]
    public async Task FileList_OfAHugeDirectoryWithControlCharacterNames_FailsFastWithLimitExceeded_AndStaysSmall()
    {
        Sandbox sb = await NewSandboxAsync();
        ExecResult made = await PythonAsync(sb, """
            import os
            os.mkdir('flood')
            for i in range(60000):
                name = '%06d' % i + ''.join(chr(1 + (i + j) % 30) for j in range(194))
                os.close(os.open(os.path.join('flood', name), os.O_CREAT | os.O_WRONLY, 0o644))
            os.mkdir('small')
            for i in range(100):
                os.close(os.open(os.path.join('small', '%03d' % i + '\x01' * 190), os.O_CREAT | os.O_WRONLY, 0o644))
            print(len(os.listdir('flood')), len(os.listdir('small')))
            """, seconds: 180);
        Assert.Equal("60000 100\n", made.Stdout);

        long before = CurrentRss();
        var watch = Stopwatch.StartNew();
        // Four at once: what "a few concurrent calls: gigabytes" was in the issue.
        Task<SandboxException>[] lists = [.. Enumerable.Range(0, 4).Select(_ => Assert.ThrowsAnyAsync<SandboxException>(() => sb.ListFilesAsync("flood")))];
        SandboxException[] errors = await Task.WhenAll(lists);
        TimeSpan took = watch.Elapsed;
        long grown = CurrentRss() - before;
        Console.WriteLine($"file.list x4 of 60,000 control-character names: {took.TotalMilliseconds:0} ms, emulator RSS +{grown / (1024 * 1024)} MiB");

        foreach (SandboxException error in errors)
        {
            Assert.Equal("LIMIT_EXCEEDED", error.ErrorCode);
            Assert.Contains("10000 entries", error.Message, StringComparison.Ordinal);
        }

        Assert.True(took < TimeSpan.FromSeconds(5), $"four bounded listings took {took}");
        Assert.True(grown < 64L * 1024 * 1024, $"the emulator grew by {grown / (1024 * 1024)} MiB");

        // Within the bounds nothing changed: every entry, control characters intact.
        IReadOnlyList<FileEntry> small = await sb.ListFilesAsync("small");
        Assert.Equal(100, small.Count);
        Assert.All(small, e => Assert.EndsWith(new string('\x01', 190), e.Name, StringComparison.Ordinal));
    }

    private static long CurrentRss()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }
}
