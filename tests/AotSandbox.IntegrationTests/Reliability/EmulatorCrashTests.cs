using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AotSandbox.Emulator.Runtime;
using AotSandbox.IntegrationTests.Security;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>
/// The emulator process is SIGKILLed mid-exec and started again (tests/AotSandbox.ReliabilityHost, a separate process
/// on its own slice of the reliability range): clients learn promptly, the restart sweeps every leftover (processes,
/// cgroups, netns, state), and the lost sandbox answers a clear 404 instead of a half-alive state.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class EmulatorCrashTests
{
    private const string Key = "44444444-4444-4444-4444-444444444444:crash-secret";

    private static readonly BubblewrapRuntimeOptions Range = new()
    {
        StateRoot = "/run/aotsb-reltest-proc",
        CgroupParent = "aotsb-reltest-proc",
        NetnsPrefix = "relp-",
        UidBase = 640048,
        UidCount = 16,
    };

    [Fact]
    public async Task SigkillMidExec_ThenRestart_SweepsEverything_AndTheLostSandboxIsNotFound()
    {
        int port = ReliabilityHostProcess.FreePort();
        var connection = new SandboxConnectionOptions { ApiHost = $"http://127.0.0.1:{port}", Namespace = "crash", ApiKey = Key };
        string lostId;
        HashSet<string> crashed;
        using (Process first = await StartHostAsync(port))
        {
            Sandbox sb = await Sandbox.CreateAsync(new SandboxCreateOptions { ApiHost = connection.ApiHost, Namespace = "crash", ApiKey = Key, Size = SandboxSize.Small });
            lostId = sb.Id;
            await sb.StartDetachedAsync("sleep 300");
            await sb.StartDetachedAsync("setsid sh -c 'sleep 301 & sleep 302'");
            ExecTask running = sb.Exec("while :; do echo tick; sleep 0.05; done", new ExecOptions { Timeout = TimeSpan.FromSeconds(60), CaptureOutput = false });
            await Task.Delay(500);
            Assert.NotEmpty(HostInventory.Leftovers(Range, keepId: "-"));
            // The host runs the default pre-warmed pool: the crash also strands its idle entries (the claimed one is
            // replaced), and the restart must sweep those too.
            await WaitAsync(() => SandboxIds(HostInventory.Leftovers(Range, keepId: "-")).Count >= 3, TimeSpan.FromSeconds(30),
                () => "the pool did not refill before the crash: " + string.Join("\n", HostInventory.Leftovers(Range, keepId: "-")));
            crashed = SandboxIds(HostInventory.Leftovers(Range, keepId: "-"));

            var watch = Stopwatch.StartNew();
            first.Kill(); // SIGKILL
            await Assert.ThrowsAnyAsync<SandboxException>(async () => await running);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the crash was reported after {watch.Elapsed}");
            await first.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            await sb.DisposeAsync();
        }

        // What the crash left (the sandboxes die with their parent; cgroups, netns and state stay) until a restart.
        using Process second = await StartHostAsync(port);
        try
        {
            // Whatever the new emulator holds (its own pool entries) is kept; nothing of the crashed run may remain.
            await WaitAsync(() => LeftoversOf(crashed).Count == 0, TimeSpan.FromSeconds(15),
                () => "after restart: " + string.Join("\n", LeftoversOf(crashed)));
            await Assert.ThrowsAsync<SandboxNotFoundException>(() => Sandbox.GetAsync(lostId, connection));

            await using Sandbox fresh = await Sandbox.CreateAsync(new SandboxCreateOptions { ApiHost = connection.ApiHost, Namespace = "crash", ApiKey = Key, Size = SandboxSize.Small });
            Assert.Equal("after-restart\n", (await fresh.Exec("echo after-restart")).Stdout);
            await fresh.DestroyAsync();
        }
        finally
        {
            _ = Kill(second.Id, 15); // SIGTERM: a clean stop
            await second.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        }

        Assert.Empty(HostInventory.Leftovers(Range, keepId: "-"));
    }

    /// <summary>The sandbox ids named in inventory lines (cgroup, netns and state entries carry them).</summary>
    private static HashSet<string> SandboxIds(IEnumerable<string> lines) =>
        [.. lines.SelectMany(l => System.Text.RegularExpressions.Regex.Matches(l, "sb-[0-9a-f]+").Select(m => m.Value))];

    /// <summary>What the range holds apart from sandboxes started after the crash (anything of <paramref name="crashed"/>, and any stray process).</summary>
    private static List<string> LeftoversOf(HashSet<string> crashed)
    {
        HashSet<string> current = SandboxIds(HostInventory.Leftovers(Range, keepId: "-"));
        current.ExceptWith(crashed);
        return HostInventory.Leftovers(Range, current);
    }

    private static async Task<Process> StartHostAsync(int port)
    {
        // Readiness through a file, not stdout: a redirected pipe would also be inherited by whatever the host spawns.
        string ready = Path.Combine(Path.GetTempPath(), "aotsb-reltest-ready-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(ReliabilityHostProcess.LocateDll());
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(Key);
        start.ArgumentList.Add(ready);
        Process process = Process.Start(start)!;
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(ready))
        {
            Assert.False(process.HasExited, "the host exited with " + (process.HasExited ? process.ExitCode : 0));
            Assert.True(DateTime.UtcNow < deadline, "the host did not get ready in 60 s");
            await Task.Delay(100);
        }

        File.Delete(ready);
        return process;
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, describe());
            await Task.Delay(200);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
