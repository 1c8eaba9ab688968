using System.Diagnostics;
using System.Globalization;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Bubblewrap;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Runtime;

[Collection(RuntimeCollection.Name)]
public sealed class LifecycleTests(RuntimeFixture fixture, ITestOutputHelper output)
{
    /// <summary>Create/destroy cycles of the leak check (battery R8 asks for 100; see the report for the timing).</summary>
    private const int Cycles = 100;

    [Fact]
    public async Task CreateDestroyCycles_LeaveNothingBehind()
    {
        var before = Inventory();
        var ready = new List<double>();
        var teardown = new List<double>();
        var total = Stopwatch.StartNew();
        for (var i = 0; i < Cycles; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var sandbox = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(), CancellationToken.None);
            ready.Add(stopwatch.Elapsed.TotalMilliseconds);
            if (i % 10 == 0)
            {
                Assert.Equal(0, (await sandbox.RunAsync("sleep 100 & setsid sleep 100 & echo x > /workspace/f")).Exit);
            }

            stopwatch.Restart();
            await sandbox.DisposeAsync();
            teardown.Add(stopwatch.Elapsed.TotalMilliseconds);
        }
        ready.Sort();
        teardown.Sort();
        output.WriteLine($"{Cycles} cycles in {total.Elapsed.TotalSeconds:0.0} s; create→ready p50 {ready[Cycles / 2]:0.0} ms p90 {ready[Cycles * 9 / 10]:0.0} ms; teardown p50 {teardown[Cycles / 2]:0.0} ms p90 {teardown[Cycles * 9 / 10]:0.0} ms");
        var after = Inventory();
        output.WriteLine("leftovers:\n" + after);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task AgentKilledFromOutside_TerminatesAndCleansUp()
    {
        var sandbox = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(), CancellationToken.None);
        var sink = new CollectingSink();
        await sandbox.SpawnAsync("sleep 100", sink, CancellationToken.None);
        var procs = Path.Combine(RuntimeFixture.Options.CgroupRoot, "memory", RuntimeFixture.Options.CgroupParent, sandbox.Id, "cgroup.procs");
        try
        {
            var killed = 0;
            foreach (var line in await File.ReadAllLinesAsync(procs))
            {
                var pid = int.Parse(line, CultureInfo.InvariantCulture);
                try
                {
                    var nspid = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
                    if (nspid.EndsWith("\t1", StringComparison.Ordinal) && NativeMethods.Kill(pid, NativeMethods.SIGKILL) == 0)
                    {
                        killed++;
                    }
                }
                catch (IOException)
                {
                    // Already dying: the kernel tears the namespace down once its init is gone.
                }
            }
            Assert.Equal(1, killed);
            await sandbox.Terminated.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch
        {
            await sandbox.DisposeAsync();
            throw;
        }
        Assert.Equal(BubblewrapProcess.SandboxGoneExitCode, await sink.Exit.WaitAsync(TimeSpan.FromSeconds(10)));
        await sandbox.DisposeAsync(); // idempotent after the automatic cleanup
        Assert.False(Directory.Exists(Path.GetDirectoryName(procs)));
        Assert.False(File.Exists(sandbox.NetworkNamespacePath));
        await Assert.ThrowsAsync<SandboxRuntimeException>(() => sandbox.RunAsync("true"));
    }

    [Fact]
    public async Task Sweep_RemovesLeftoversOfACrashedRun()
    {
        var options = RuntimeFixture.Options;
        var id = "sb-leftover-" + Guid.NewGuid().ToString("N")[..8];
        foreach (var controller in CgroupSet.Controllers)
        {
            Directory.CreateDirectory(Path.Combine(options.CgroupRoot, controller, options.CgroupParent, id));
        }

        await HostCommand.RunCheckedAsync(options.IpPath, ["netns", "add", options.NetnsPrefix + id], CancellationToken.None);
        Directory.CreateDirectory(Path.Combine(options.StateRoot, "sandboxes", id, "etc"));
        using var stray = Process.Start(new ProcessStartInfo("setpriv", ["--reuid=" + (options.UidBase + options.UidCount), "--regid=1", "--clear-groups", "sleep", "100"]))!;
        for (var i = 0; i < 100 && !File.ReadAllText($"/proc/{stray.Id}/status").Contains($"Uid:\t{options.UidBase + options.UidCount}", StringComparison.Ordinal); i++)
        {
            await Task.Delay(10); // setpriv runs as root until it switched uid
        }
        // A process of a crashed run's sandbox: the launcher had put it in the sandbox's cgroups (the sweep kills only
        // pool-uid processes there; one elsewhere is not the emulator's, see PoolUidGuardTests).
        foreach (var controller in CgroupSet.Controllers)
        {
            await File.WriteAllTextAsync(Path.Combine(options.CgroupRoot, controller, options.CgroupParent, id, "cgroup.procs"), stray.Id.ToString(CultureInfo.InvariantCulture));
        }

        await fixture.Runtime.SweepLeftoversAsync(CancellationToken.None);

        Assert.True(stray.WaitForExit(5000));
        foreach (var controller in CgroupSet.Controllers)
        {
            Assert.False(Directory.Exists(Path.Combine(options.CgroupRoot, controller, options.CgroupParent, id)));
        }

        Assert.False(File.Exists("/run/netns/" + options.NetnsPrefix + id));
        Assert.False(Directory.Exists(Path.Combine(options.StateRoot, "sandboxes", id)));
        Assert.False(fixture.Shared.Terminated.IsCompleted); // the live sandbox was kept
    }

    /// <summary>Host resources that belong to sandboxes other than the fixture's shared one.</summary>
    private string Inventory()
    {
        var options = RuntimeFixture.Options;
        var shared = fixture.Shared.Id;
        var lines = new List<string>();
        foreach (var controller in CgroupSet.Controllers)
        {
            var parent = Path.Combine(options.CgroupRoot, controller, options.CgroupParent);
            if (Directory.Exists(parent))
            {
                lines.AddRange(Directory.GetDirectories(parent).Where(d => !d.EndsWith(shared, StringComparison.Ordinal)).Select(d => "cgroup " + d));
            }
        }
        lines.AddRange(NetworkNamespace.List(options.NetnsPrefix).Where(n => !n.EndsWith(shared, StringComparison.Ordinal)).Select(n => "netns " + n));
        var states = Path.Combine(options.StateRoot, "sandboxes");
        if (Directory.Exists(states))
        {
            lines.AddRange(Directory.GetDirectories(states).Where(d => !d.EndsWith(shared, StringComparison.Ordinal)).Select(d => "state " + d));
        }

        var sharedUid = ((BubblewrapSandbox)fixture.Shared).Uid;
        foreach (var pid in LeftoverSweeper.FindPoolProcesses(fixture.Runtime.Uids))
        {
            var status = File.ReadAllText($"/proc/{pid}/status");
            if (!status.Contains($"Uid:\t{sharedUid}\t", StringComparison.Ordinal))
            {
                lines.Add($"process {pid} {status.Split('\n').FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))} {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ')}");
            }
        }
        return string.Join('\n', lines);
    }
}
