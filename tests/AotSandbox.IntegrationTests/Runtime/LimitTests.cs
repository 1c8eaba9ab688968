using AotSandbox.Emulator.Runtime;
using AotSandbox.IntegrationTests.Security;

namespace AotSandbox.IntegrationTests.Runtime;

[Collection(RuntimeCollection.Name)]
public sealed class LimitTests(RuntimeFixture fixture)
{
    [Fact]
    public async Task MemoryBomb_IsOomKilled_AndTheAgentSurvives()
    {
        var limits = RuntimeFixture.SmallLimits with { MemoryBytes = 256L << 20 };
        await using var sandbox = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(limits), CancellationToken.None);
        var bomb = await sandbox.ProbeAsync("python3 -c \"x = 'a' * (512 * 1024 * 1024); print(len(x))\"");
        Assert.True(bomb.ExitCode == 137, bomb.ToString()); // SIGKILL by the cgroup's OOM killer, not a MemoryError
        Assert.Equal("alive\n", (await sandbox.RunAsync("echo alive")).Stdout);
        Assert.False(sandbox.Terminated.IsCompleted);
    }

    [Fact]
    public async Task PidsLimit_StopsAForkLoop()
    {
        var limits = RuntimeFixture.SmallLimits with { MaxPids = 32 };
        await using var sandbox = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(limits), CancellationToken.None);
        var sink = new CollectingSink();
        const string ForkLoop = "import os, time\nn = 0\nfor i in range(100):\n    try:\n        pid = os.fork()\n    except OSError as e:\n        print('fork failed', e.errno, flush=True)\n        break\n    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n    n += 1\nprint('forked', n, flush=True)\ntime.sleep(30)\n";
        await sandbox.WriteFileAsync("forkloop.py", System.Text.Encoding.UTF8.GetBytes(ForkLoop), 0, true, CancellationToken.None);
        var process = await sandbox.SpawnAsync("python3 forkloop.py", sink, CancellationToken.None);
        var current = Path.Combine(RuntimeFixture.Options.CgroupRoot, "pids", RuntimeFixture.Options.CgroupParent, sandbox.Id, "pids.current");
        for (var i = 0; i < 200 && !sink.Stdout.Contains("forked", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }

        Assert.Contains("fork failed 11", sink.Stdout, StringComparison.Ordinal); // EAGAIN
        Assert.True(int.Parse(await File.ReadAllTextAsync(current), System.Globalization.CultureInfo.InvariantCulture) <= 32);
        await process.SignalTreeAsync(9, CancellationToken.None);
        Assert.Equal(137, await sink.Exit.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("alive\n", (await sandbox.RunAsync("echo alive")).Stdout);
    }

    [Fact]
    public async Task WorkspaceQuota_StopsADiskFill()
    {
        var limits = RuntimeFixture.SmallLimits with { WorkspaceBytes = 8L << 20 };
        await using var sandbox = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(limits), CancellationToken.None);
        (await sandbox.ProbeAsync("dd if=/dev/zero of=/workspace/fill bs=1M count=64")).AssertRefused("ENOSPC");
        var write = await Assert.ThrowsAsync<SandboxFileException>(() => sandbox.WriteFileAsync("more", new byte[1 << 20], 0, true, CancellationToken.None).AsTask());
        Assert.Equal("ENOSPC", write.Code);
    }
}
