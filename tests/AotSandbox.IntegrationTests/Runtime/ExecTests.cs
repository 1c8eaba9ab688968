using System.Diagnostics;
using System.Security.Cryptography;
using AotSandbox.Emulator.Runtime;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Runtime;

[Collection(RuntimeCollection.Name)]
public sealed class ExecTests(RuntimeFixture fixture, ITestOutputHelper output)
{
    private readonly ISandboxInstance _sandbox = fixture.Shared;

    [Fact]
    public async Task Echo_ReturnsOutputAndExitCodes()
    {
        var (exit, stdout, _) = await _sandbox.RunAsync("echo hello");
        Assert.Equal(0, exit);
        Assert.Equal("hello\n", stdout);
        Assert.Equal(7, (await _sandbox.RunAsync("exit 7")).Exit);
        Assert.Equal(127, (await _sandbox.RunAsync("no-such-command-here")).Exit);
    }

    [Fact]
    public async Task KilledBySignal_Reports128PlusSignal()
    {
        Assert.Equal(143, (await _sandbox.RunAsync("kill -TERM $$")).Exit);
        Assert.Equal(137, (await _sandbox.RunAsync("kill -KILL $$")).Exit);
    }

    [Fact]
    public async Task StdoutAndStderr_AreSeparate()
    {
        var (exit, stdout, stderr) = await _sandbox.RunAsync("echo out; echo err >&2; echo out2");
        Assert.Equal(0, exit);
        Assert.Equal("out\nout2\n", stdout);
        Assert.Equal("err\n", stderr);
    }

    [Fact]
    public async Task Stdin_TenMebibytes_StreamThroughSha256sum()
    {
        var data = new byte[10 * 1024 * 1024];
        new Random(42).NextBytes(data);
        var expected = Convert.ToHexStringLower(SHA256.HashData(data));
        var (exit, stdout, _) = await _sandbox.RunAsync("cat | sha256sum", data);
        Assert.Equal(0, exit);
        Assert.Equal(expected + "  -\n", stdout);
    }

    [Fact]
    public async Task LargeOutput_ArrivesCompleteAndInOrder()
    {
        var (exit, stdout, _) = await _sandbox.RunAsync("seq 1 300000");
        Assert.Equal(0, exit);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(300000, lines.Length);
        Assert.Equal("300000", lines[^1]);
    }

    [Fact]
    public async Task LingeringBackgroundChild_DoesNotDelayExit_AndKeepsRunning()
    {
        var stopwatch = Stopwatch.StartNew();
        var (exit, stdout, _) = await _sandbox.RunAsync("sleep 30 & echo $!");
        stopwatch.Stop();
        Assert.Equal(0, exit);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"exit took {stopwatch.Elapsed}");
        var pid = stdout.Trim();
        Assert.Equal(0, (await _sandbox.RunAsync($"kill -0 {pid}")).Exit);
        await _sandbox.RunAsync($"kill {pid}");
    }

    [Fact]
    public async Task BackgroundServer_KeepsServingAfterForegroundExit()
    {
        var stopwatch = Stopwatch.StartNew();
        var (exit, _, _) = await _sandbox.RunAsync("python3 -m http.server 3000 --bind 127.0.0.1 & sleep 0.3; echo started");
        Assert.Equal(0, exit);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"exit took {stopwatch.Elapsed}");
        var (fetch, body, err) = await _sandbox.RunAsync("python3 -c \"import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:3000/').status)\"");
        Assert.True(fetch == 0, err);
        Assert.Equal("200\n", body);
        await _sandbox.RunAsync("pkill -f http.server");
    }

    [Fact]
    public async Task SignalTree_KillsDoubleForkedDaemon()
    {
        var sink = new CollectingSink();
        var process = await _sandbox.SpawnAsync("sh -c 'setsid sleep 1000 &'; sleep 1000", sink, CancellationToken.None);
        await Task.Delay(200);
        Assert.Equal(0, (await _sandbox.RunAsync("pgrep -x sleep")).Exit);
        await process.SignalTreeAsync(9, CancellationToken.None);
        Assert.Equal(137, await sink.Exit.WaitAsync(TimeSpan.FromSeconds(5)));
        await Task.Delay(100);
        var (exit, stdout, _) = await _sandbox.RunAsync("pgrep -x sleep");
        Assert.True(exit == 1, "sleep processes survived: " + stdout);
    }

    [Fact]
    public async Task ExecRoundTrip_Latency()
    {
        var samples = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            Assert.Equal(0, (await _sandbox.RunAsync("true")).Exit);
            samples.Add(stopwatch.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        output.WriteLine($"exec round trip (`true`, 50 runs): p50 {samples[25]:0.0} ms, p90 {samples[45]:0.0} ms");
    }
}
