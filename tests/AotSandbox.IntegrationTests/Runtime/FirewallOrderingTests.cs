using System.Diagnostics;
using AotSandbox.Emulator.Network;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Bubblewrap;
using AotSandbox.IntegrationTests.Emulator;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// The ordering that lets the emulator overlap a sandbox's network set-up with the rest of its start (issue #14 item 1)
/// without weakening it: the firewall of a sandbox's namespace is in force before the sandbox's first process starts,
/// so no command, and not even the agent, ever runs without it. The set-up is made slow on purpose (held open, or
/// queued behind a blocker on the firewall worker), so a start or a create that did not wait for it would be caught
/// running something inside the window. On the netns set-up range (its collection runs one test at a time).
/// </summary>
[Collection(NetnsSetupCollection.Name)]
public sealed class FirewallOrderingTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(600);

    [Fact]
    public async Task Start_LaunchesNothing_UntilTheNetworkPreparationCompleted()
    {
        await using var runtime = new BubblewrapRuntime(NetnsSetupCollection.Range);
        runtime.CheckPrerequisites();
        await runtime.SweepLeftoversAsync(CancellationToken.None);
        SandboxSpec spec = RuntimeFixture.NewSpec();
        string cgroup = CgroupProcs(spec.Id);
        var seenDuringPreparation = new List<string>();
        bool cgroupExisted = false;
        spec = spec with
        {
            PrepareNetwork = async (netnsPath, cancellationToken) =>
            {
                Assert.True(File.Exists(netnsPath), "the preparation ran before the namespace existed");
                await NetnsFirewall.ApplyAsync(netnsPath, cancellationToken);
                // Held open: a launcher started meanwhile joins the sandbox's cgroups first thing, and its uid's processes show.
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < Hold)
                {
                    cgroupExisted |= File.Exists(cgroup);
                    seenDuringPreparation.AddRange(Members(cgroup));
                    seenDuringPreparation.AddRange(ProcessesOfTheRange());
                    await Task.Delay(20, cancellationToken);
                }
            },
        };

        ISandboxInstance sandbox = await runtime.StartAsync(spec, CancellationToken.None);
        try
        {
            Assert.True(cgroupExisted, "the sandbox's cgroups never existed while the preparation was held, so the check saw nothing");
            Assert.Empty(seenDuringPreparation);
            Assert.NotEmpty(Members(cgroup)); // the check can see a sandbox: after the start, its agent is there

            // The first command meets the prepared namespace: its default route is the one the firewall set up.
            (int exit, string routes, _) = await sandbox.RunAsync("cat /proc/net/route");
            Assert.Equal(0, exit);
            Assert.Matches(@"(?m)^lo\s+00000000\s", routes);
        }
        finally
        {
            await sandbox.DisposeAsync();
        }
    }

    [Fact]
    public async Task Start_WhenThePreparationFails_StartsNothingAndLeavesNothing()
    {
        await using var runtime = new BubblewrapRuntime(NetnsSetupCollection.Range);
        runtime.CheckPrerequisites();
        await runtime.SweepLeftoversAsync(CancellationToken.None);
        SandboxSpec spec = RuntimeFixture.NewSpec();
        string cgroup = CgroupProcs(spec.Id);
        string? namespacePath = null;
        var seen = new List<string>();
        spec = spec with
        {
            PrepareNetwork = async (netnsPath, cancellationToken) =>
            {
                namespacePath = netnsPath;
                await Task.Delay(Hold / 2, cancellationToken);
                seen.AddRange(Members(cgroup));
                seen.AddRange(ProcessesOfTheRange());
                throw new InvalidOperationException("firewall refused (test)");
            },
        };

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => runtime.StartAsync(spec, CancellationToken.None));
        Assert.Contains("firewall refused (test)", e.Message, StringComparison.Ordinal);
        Assert.Empty(seen);
        Assert.Empty(ProcessesOfTheRange());
        Assert.NotNull(namespacePath);
        Assert.False(File.Exists(namespacePath), "the failed start left its network namespace behind");
        Assert.False(Directory.Exists(Path.GetDirectoryName(cgroup)), "the failed start left its cgroups behind");
        Assert.False(Directory.Exists(Path.Combine(NetnsSetupCollection.Range.StateRoot, "sandboxes", spec.Id)), "the failed start left its state behind");
    }

    /// <summary>
    /// Through the emulator with no pool (every create starts its sandbox): the firewall worker is made busy for
    /// <see cref="Hold"/> right before the create, so the create's rules go in late. The very first command must still
    /// meet them: a connection to an outside address is redirected to the egress proxy, which refuses it (deny-all) with
    /// its 403. Without the rules there is no route at all (curl gets no HTTP answer, code 000). The address is a
    /// documentation one; nothing leaves the sandbox's namespace either way.
    /// </summary>
    [Fact]
    public async Task Create_FirstCommandMeetsTheFirewall_WhenItsApplyIsLate()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(NetnsSetupCollection.Range, o => o.PoolSize = 0);
        var options = new SandboxCreateOptions { ApiHost = h.Server.ApiHost, Namespace = h.Server.Namespace, ApiKey = h.Server.ApiKey, Size = SandboxSize.Small };
        await (await Sandbox.CreateAsync(options)).DestroyAsync(); // warm: the measured create below pays no first-use costs

        Task blocker = NetnsWorker.SharedWithPrivateFiles.RunInAsync("/proc/self/ns/net", () =>
        {
            Thread.Sleep(Hold);
            return true;
        });
        var clock = Stopwatch.StartNew();
        Sandbox sandbox = await Sandbox.CreateAsync(options);
        TimeSpan created = clock.Elapsed;
        try
        {
            ExecResult first = await sandbox.Exec("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' http://198.51.100.1/", new ExecOptions { Timeout = TimeSpan.FromSeconds(20) });
            Assert.True(first.Stdout == "403", $"the first command did not meet the firewall: curl said '{first.Stdout}' ({first.Stderr.Trim()})");
            await blocker;
            // Not vacuous: the create's rules really were queued behind the blocker, and the create waited for them.
            Assert.True(created >= Hold * 0.8, $"the create took {created.TotalMilliseconds:0} ms, so its firewall was not held back by the {Hold.TotalMilliseconds:0} ms blocker");
        }
        finally
        {
            await sandbox.DestroyAsync();
            await sandbox.DisposeAsync();
        }
    }

    private static string CgroupProcs(string id) =>
        Path.Combine(NetnsSetupCollection.Range.CgroupRoot, "pids", NetnsSetupCollection.Range.CgroupParent, id, "cgroup.procs");

    private static IEnumerable<string> Members(string procs)
    {
        try
        {
            return File.ReadAllLines(procs).Where(l => l.Length > 0).Select(pid => "cgroup member " + pid).ToList();
        }
        catch (IOException)
        {
            return []; // not created yet, or gone
        }
    }

    /// <summary>Processes whose real uid is in this range's pool (bwrap and everything in a sandbox run as one).</summary>
    private static List<string> ProcessesOfTheRange()
    {
        var found = new List<string>();
        int first = NetnsSetupCollection.Range.UidBase;
        int last = first + NetnsSetupCollection.Range.UidCount - 1;
        foreach (string directory in Directory.GetDirectories("/proc"))
        {
            string pid = Path.GetFileName(directory);
            if (!char.IsAsciiDigit(pid[0]))
            {
                continue;
            }

            try
            {
                string? uidLine = File.ReadLines(Path.Combine(directory, "status")).FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
                if (uidLine is not null && int.TryParse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], out int uid) && uid >= first && uid <= last)
                {
                    found.Add($"process {pid} of uid {uid}");
                }
            }
            catch (IOException)
            {
                // Exited meanwhile.
            }
        }

        return found;
    }
}
