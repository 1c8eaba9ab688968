using AotSandbox.Emulator.Runtime;
using AotSandbox.IntegrationTests.Security;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>Selected items of the security battery (docs/SECURITY-MODEL.md §5) that concern the runtime itself.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class SecurityTests(RuntimeFixture fixture)
{
    private readonly ISandboxInstance _sandbox = fixture.Shared;

    [Fact]
    public async Task K3_Init_IsNotTraceableOrReadable()
    {
        (await _sandbox.PythonProbeAsync("libcall('ptrace-attach-init', libc.ptrace, 16, 1, 0, 0)")).AssertEachRefused(["ptrace-attach-init"], "EPERM");
        (await _sandbox.ProbeAsync("cat /proc/1/environ")).AssertRefused("EACCES");
        (await _sandbox.ProbeAsync("cat /proc/1/maps")).AssertRefused("EACCES");
        (await _sandbox.ProbeAsync("exec 3>/proc/1/exe")).AssertRefused("EACCES"); // K1: no write to the agent binary
    }

    [Fact]
    public async Task K8_CommandsHaveNoControllingTerminal()
    {
        // stdin is a pipe and the command has no controlling terminal: TIOCSTI is ENOTTY, /dev/tty is ENXIO.
        (await _sandbox.PythonProbeAsync("import fcntl, termios\nattempt('tiocsti', lambda: fcntl.ioctl(0, termios.TIOCSTI, b'x'))")).AssertEachRefused(["tiocsti"], "ENOTTY");
        (await _sandbox.ProbeAsync("exec 3</dev/tty")).AssertRefused("ENXIO");
    }

    [Fact]
    public async Task K12_KillEverything_StaysInsideItsSandbox()
    {
        await using var other = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(), CancellationToken.None);
        var victim = new CollectingSink();
        await other.SpawnAsync("sleep 100", victim, CancellationToken.None);
        await other.ProbeAsync("kill -9 -1; true"); // the shell dies with everything else (137); a missing kill would fail here
        Assert.Equal("alive\n", (await other.RunAsync("echo alive")).Stdout);
        Assert.Equal(137, await victim.Exit.WaitAsync(TimeSpan.FromSeconds(5))); // its own processes died...
        Assert.Equal("alive\n", (await _sandbox.RunAsync("echo alive")).Stdout); // ...nothing of another sandbox
        Assert.False(_sandbox.Terminated.IsCompleted);
    }

    [Fact]
    public async Task F3_RenameRace_NeverLandsOutsideTheSandbox()
    {
        var marker = "aotsb-race-" + Guid.NewGuid().ToString("N")[..8];
        // The links live in a directory of their own and exist before the first API write: otherwise the write's
        // parent creation makes a plain d/ first, the swapper's symlink fails and no race happens at all.
        var dir = "/workspace/" + marker;
        // renameat2(RENAME_EXCHANGE) swaps the two links atomically, so d never vanishes (a write meanwhile would make
        // its own plain d/); any failed exchange ends the swapper with exit 3 and fails the test below.
        var swap = $"import os, ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nos.makedirs('{dir}/real')\nos.symlink('/', '{dir}/link')\nos.symlink('{dir}/real', '{dir}/d')\nprint('ready', flush=True)\n" +
            $"while libc.renameat2(-100, b'{dir}/link', -100, b'{dir}/d', 2) == 0: pass\nprint('exchange failed', ctypes.get_errno(), flush=True)\nos._exit(3)\n";
        await _sandbox.WriteFileAsync("swap.py", System.Text.Encoding.UTF8.GetBytes(swap), 0, true, CancellationToken.None);
        var swapper = new CollectingSink();
        var process = await _sandbox.SpawnAsync("python3 swap.py", swapper, CancellationToken.None);
        for (var i = 0; i < 100 && !swapper.Stdout.Contains("ready", StringComparison.Ordinal) && !swapper.Exit.IsCompleted; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(swapper.Stdout.Contains("ready", StringComparison.Ordinal), $"swapper did not start: {swapper.Stderr}");
        for (var i = 0; i < 300; i++)
        {
            try
            {
                await _sandbox.WriteFileAsync($"{dir}/d/tmp/{marker}-{i}", "x"u8.ToArray(), 0, true, CancellationToken.None);
                await _sandbox.ReadFileAsync($"{dir}/d/etc/passwd", 0, 100, CancellationToken.None);
            }
            catch (SandboxFileException)
            {
                // Either outcome is fine inside the sandbox; what matters is the host.
            }
        }
        await process.SignalTreeAsync(9, CancellationToken.None);
        // The swapper loops until killed: 137 (and no traceback) shows the race ran for the whole attack.
        Assert.True(await swapper.Exit.WaitAsync(TimeSpan.FromSeconds(5)) == 137, $"swapper ended early: {swapper.Stdout} {swapper.Stderr}");
        Assert.Empty(Directory.GetFiles("/tmp", marker + "*"));
        Assert.Empty(Directory.GetFiles("/", marker + "*"));
    }
}
