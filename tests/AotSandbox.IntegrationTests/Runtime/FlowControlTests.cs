using System.Diagnostics;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

[Collection(RuntimeCollection.Name)]
public sealed class FlowControlTests(RuntimeFixture fixture)
{
    private readonly ISandboxInstance _sandbox = fixture.Shared;

    /// <summary>A sink that holds every output call until released.</summary>
    private sealed class StalledSink : IProcessSink
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<int> Exit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Bytes;

        public async ValueTask OnOutputAsync(int stream, ReadOnlyMemory<byte> data)
        {
            Interlocked.Add(ref Bytes, data.Length);
            await Release.Task;
        }

        public ValueTask OnExitAsync(int exitCode)
        {
            Exit.TrySetResult(exitCode);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task SlowSink_StallsOnlyItsOwnCommand()
    {
        var slow = new StalledSink();
        var flood = await _sandbox.SpawnAsync("yes", slow, CancellationToken.None);
        await Task.Delay(300);

        // Other execs and file operations on the same sandbox are unaffected.
        var stopwatch = Stopwatch.StartNew();
        Assert.Equal("hi\n", (await _sandbox.RunAsync("echo hi")).Stdout);
        await _sandbox.WriteFileAsync("flow.txt", "x"u8.ToArray(), 0, true, CancellationToken.None);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");

        // The stalled sink got one chunk; the agent holds at most its window, so `yes` is blocked on its pipe.
        Assert.True(Interlocked.Read(ref slow.Bytes) <= 64 * 1024);
        var (_, state, _) = await _sandbox.RunAsync("ps -o stat= -C yes");
        Assert.StartsWith("S", state.Trim(), StringComparison.Ordinal);

        await flood.SignalTreeAsync(9, CancellationToken.None);
        slow.Release.SetResult();
        Assert.Equal(137, await slow.Exit.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task BackgroundFlood_AfterExit_IsDiscardedAndDoesNotDelayExit()
    {
        var stopwatch = Stopwatch.StartNew();
        var (exit, stdout, _) = await _sandbox.RunAsync("yes > /dev/stdout & echo $!");
        var elapsed = stopwatch.Elapsed;
        var pid = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.All(char.IsAsciiDigit));
        try
        {
            Assert.Equal(0, exit);
            // Without the fix the exit waits for the flood to end (never); on a loaded 2-core machine a plain exec can
            // take a second, so the bound separates "prompt" from "held by the flood" without racing the scheduler.
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"exit took {elapsed}");
            await Task.Delay(200);
            Assert.Equal(0, (await _sandbox.RunAsync($"kill -0 {pid}")).Exit); // still writing, never got EPIPE
            Assert.Equal("ok\n", (await _sandbox.RunAsync("echo ok")).Stdout);
        }
        finally
        {
            // The shared sandbox outlives this test: a flood left running would show up in the next test's `ps`.
            await _sandbox.RunAsync($"kill -9 {pid}");
        }
    }

    [Fact]
    public async Task ManyConcurrentExecs_EachGetTheirOwnOutput()
    {
        var runs = Enumerable.Range(0, 20).Select(i => _sandbox.RunAsync($"seq 1 {1000 + i}; echo err{i} >&2; exit {i}")).ToArray();
        var results = await Task.WhenAll(runs);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i, results[i].Exit);
            Assert.Equal(1000 + i, results[i].Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal($"err{i}\n", results[i].Stderr);
        }
    }

    [Fact]
    public async Task StdinToACommandThatNeverReads_DoesNotHangAfterExit()
    {
        var sink = new CollectingSink();
        var process = await _sandbox.SpawnAsync("sleep 0.3", sink, CancellationToken.None);
        var write = process.WriteStdinAsync(new byte[4 * 1024 * 1024], CancellationToken.None).AsTask();
        Assert.Equal(0, await sink.Exit.WaitAsync(TimeSpan.FromSeconds(5)));
        await write.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
