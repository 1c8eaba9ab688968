using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Bubblewrap;
using AotSandbox.IntegrationTests.Native;
using AotSandbox.IntegrationTests.Reliability;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// Issue #14 item 2: creating (and destroying) a sandbox starts no host tools. A real emulator process
/// (tests/AotSandbox.ReliabilityHost, on this suite's own range) runs under <c>strace -f -e trace=execve</c>, so every
/// program anyone in its process tree executes is recorded by the kernel-side tracer, whichever code path starts it
/// (Process.Start, a library calling fork/exec, a shell). A sandbox is created and destroyed over the public API; the
/// only programs allowed are the launcher (the host copy of the agent), bwrap and the agent inside the sandbox.
/// </summary>
[Collection(NetnsSetupCollection.Name)]
public sealed partial class CreatePathSpawnTests
{
    private const string Key = "66666666-6666-6666-6666-666666666666:netns-secret"; // the host serves namespace "crash"

    [Fact]
    public async Task CreateAndDestroy_ExecuteOnlyTheLauncherBwrapAndTheAgent()
    {
        RequiredTool.Ensure("strace");
        string host = ReliabilityHostProcess.LocateDll();
        string trace = Path.Combine(Path.GetTempPath(), "aotsb-netnstest-trace-" + Guid.NewGuid().ToString("N"));
        string ready = trace + ".ready";
        int port = ReliabilityHostProcess.FreePort();
        var start = new ProcessStartInfo("strace") { UseShellExecute = false, RedirectStandardError = true };
        foreach (string argument in (string[])["-f", "--seccomp-bpf", "-qq", "-e", "trace=execve", "-e", "signal=none", "-o", trace, "--",
            "dotnet", host, port.ToString(CultureInfo.InvariantCulture), Key, ready,
            NetnsSetupCollection.Range.UidBase.ToString(CultureInfo.InvariantCulture), NetnsSetupCollection.Range.CgroupParent, NetnsSetupCollection.Range.NetnsPrefix,
            "0"]) // no pool: the traced create must start its own sandbox (a claimed pre-warmed one started before the trace window)
        {
            start.ArgumentList.Add(argument);
        }

        using Process tracer = Process.Start(start)!;
        Task<string> tracerErrors = tracer.StandardError.ReadToEndAsync();
        int hostPid = 0;
        try
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(90);
            while (!File.Exists(ready))
            {
                Assert.False(tracer.HasExited, "strace or the emulator exited early: " + (tracer.HasExited ? await tracerErrors : ""));
                Assert.True(DateTime.UtcNow < deadline, "the emulator did not get ready in 90 s");
                await Task.Delay(100);
            }

            List<Exec> atStart = ReadExecs(trace);
            hostPid = atStart[0].Pid; // strace's first traced exec is the emulator itself

            string apiHost = $"http://127.0.0.1:{port}";
            Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { ApiHost = apiHost, Namespace = "crash", ApiKey = Key, Size = SandboxSize.Small });
            await sandbox.DestroyAsync();
            await sandbox.DisposeAsync();

            List<Exec> createPath = ReadExecs(trace)[atStart.Count..];
            string launcher = Path.Combine(NetnsSetupCollection.Range.StateRoot, "bin", "aotsandbox-agent"); // the runtime's root-owned copy
            string[] allowed = [launcher, new BubblewrapRuntimeOptions().BwrapPath, BwrapArguments.AgentPathInSandbox];
            string all = string.Join("\n", createPath.Select(e => $"{e.Pid} {e.Path}"));

            // The attack this guards against never "fails to run": prove the trace saw the create at all.
            Assert.True(createPath.Any(e => e.Path == new BubblewrapRuntimeOptions().BwrapPath), "strace recorded no bwrap exec during the create, so it traced nothing:\n" + all);
            Assert.True(createPath.All(e => allowed.Contains(e.Path)), "the create/destroy path executed host programs besides launcher, bwrap and agent:\n" + all);
        }
        finally
        {
            if (hostPid > 0)
            {
                _ = Kill(hostPid, 15); // SIGTERM: the emulator stops cleanly, strace follows it out
            }

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await tracer.WaitForExitAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                tracer.Kill(entireProcessTree: true);
            }

            File.Delete(trace);
            File.Delete(ready);
        }
    }

    private static List<Exec> ReadExecs(string trace)
    {
        var execs = new List<Exec>();
        using var reader = new StreamReader(new FileStream(trace, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (reader.ReadLine() is string line)
        {
            Match m = ExecLine().Match(line);
            if (m.Success)
            {
                execs.Add(new Exec(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value));
            }
        }

        return execs;
    }

    [GeneratedRegex(@"^(\d+) +execve\(""([^""]*)""")]
    private static partial Regex ExecLine();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    private readonly record struct Exec(int Pid, string Path);
}
