using System.Diagnostics;
using System.Globalization;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Bubblewrap;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// Issue 12 item 11: pool uids must be the emulator's alone. A range that overlaps a host account or group, or that a
/// process outside the emulator's sandboxes uses, is refused at start-up with one line naming the uid and what uses it;
/// that process is left alone (it used to be SIGKILLed by the leftover sweep). The sweep of the emulator's own leftovers
/// (processes inside its cgroup parent) is covered by LifecycleTests.Sweep_RemovesLeftoversOfACrashedRun.
/// </summary>
public sealed class PoolUidGuardTests
{
    private static readonly BubblewrapRuntimeOptions Options = new()
    {
        StateRoot = "/run/aotsandbox-uidguard",
        CgroupParent = "aotsandbox-uidguard",
        NetnsPrefix = "aotsbu-",
        UidBase = 691000,
        UidCount = 8,
    };

    [Fact]
    public async Task ForeignProcessWithAPoolUid_IsRefusedAtStartUp_AndNotKilled()
    {
        var uid = Options.UidBase + 3;
        using var stray = Process.Start(new ProcessStartInfo("setpriv", ["--reuid=" + uid, "--regid=1", "--clear-groups", "sleep", "100"]))!;
        try
        {
            // setpriv runs as root until it switched uid, and is still "setpriv" until it has exec'd sleep (a CI run
            // caught it in between: the refusal named the process "setpriv"). Wait for both.
            for (var i = 0; i < 500 && !IsSleepingAs(stray.Id, uid); i++)
            {
                await Task.Delay(10);
            }

            Assert.True(IsSleepingAs(stray.Id, uid), "the stray process never became `sleep` under the pool uid");

            await using var runtime = new BubblewrapRuntime(Options);
            var refused = await Assert.ThrowsAsync<SandboxRuntimeUnavailableException>(() => runtime.SweepLeftoversAsync(CancellationToken.None));
            Assert.Contains($"uid {uid} is used by host process {stray.Id} (sleep)", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', refused.Message);
            Assert.False(stray.WaitForExit(300), "the sweep killed a process that is not the emulator's");
        }
        finally
        {
            stray.Kill();
            await stray.WaitForExitAsync();
        }
    }

    private static bool IsSleepingAs(int pid, int uid)
        => File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep"
            && File.ReadAllText($"/proc/{pid}/status").Contains($"Uid:\t{uid}", StringComparison.Ordinal);

    [Theory]
    [InlineData("passwd")]
    [InlineData("group")]
    public async Task HostAccountInThePool_IsRefusedAtStartUp(string database)
    {
        var file = Path.GetTempFileName();
        try
        {
            var id = (Options.UidBase + 5).ToString(CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(file, $"root:x:0:0:root:/root:/bin/bash\nalice:x:{id}:{id}:Alice:/home/alice:/bin/bash\n");
            var options = database == "passwd" ? Options with { PasswdPath = file } : Options with { GroupPath = file };
            await using var runtime = new BubblewrapRuntime(options);
            var refused = await Assert.ThrowsAsync<SandboxRuntimeUnavailableException>(() => runtime.SweepLeftoversAsync(CancellationToken.None));
            Assert.Contains($"id {id} belongs to host {(database == "passwd" ? "account" : "group")} 'alice' in {file}", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task CleanRange_Starts()
    {
        await using var runtime = new BubblewrapRuntime(Options);
        await runtime.SweepLeftoversAsync(CancellationToken.None);
    }
}
