using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>Selected items of the security battery (docs/SECURITY-MODEL.md §5) that concern the runtime itself.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class SecurityTests(RuntimeFixture fixture)
{
    private readonly ISandboxInstance _sandbox = fixture.Shared;

    [Fact]
    public async Task K3_Init_IsNotTraceableOrReadable()
    {
        const string Attach = "import ctypes; libc = ctypes.CDLL(None, use_errno=True); print(libc.ptrace(16, 1, 0, 0), ctypes.get_errno())";
        Assert.Equal("-1 1\n", (await _sandbox.RunAsync($"python3 -c '{Attach}'")).Stdout); // EPERM
        Assert.NotEqual(0, (await _sandbox.RunAsync("cat /proc/1/environ")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("cat /proc/1/maps")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("exec 3>/proc/1/exe")).Exit); // K1: no write to the agent binary
    }

    [Fact]
    public async Task K8_CommandsHaveNoControllingTerminal()
    {
        const string Inject = "import fcntl, termios\ntry:\n    fcntl.ioctl(0, termios.TIOCSTI, b'x'); print('injected')\nexcept OSError as e:\n    print('refused', e.errno)";
        await _sandbox.WriteFileAsync("tiocsti.py", System.Text.Encoding.UTF8.GetBytes(Inject), 0, true, CancellationToken.None);
        Assert.StartsWith("refused", (await _sandbox.RunAsync("python3 tiocsti.py")).Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, (await _sandbox.RunAsync("exec 3</dev/tty")).Exit);
    }

    [Fact]
    public async Task K12_KillEverything_StaysInsideItsSandbox()
    {
        await using var other = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(), CancellationToken.None);
        var victim = new CollectingSink();
        await other.SpawnAsync("sleep 100", victim, CancellationToken.None);
        await other.RunAsync("kill -9 -1; true");
        Assert.Equal("alive\n", (await other.RunAsync("echo alive")).Stdout);
        Assert.Equal(137, await victim.Exit.WaitAsync(TimeSpan.FromSeconds(5))); // its own processes died...
        Assert.Equal("alive\n", (await _sandbox.RunAsync("echo alive")).Stdout); // ...nothing of another sandbox
        Assert.False(_sandbox.Terminated.IsCompleted);
    }

    [Fact]
    public async Task F3_RenameRace_NeverLandsOutsideTheSandbox()
    {
        var marker = "aotsb-race-" + Guid.NewGuid().ToString("N")[..8];
        const string Swap = "import os\nos.makedirs('/workspace/real', exist_ok=True)\nos.symlink('/', '/workspace/link')\nos.symlink('/workspace/real', '/workspace/d')\nfor _ in range(200000):\n    os.rename('/workspace/link', '/workspace/tmp'); os.rename('/workspace/d', '/workspace/link'); os.rename('/workspace/tmp', '/workspace/d')\n";
        await _sandbox.WriteFileAsync("swap.py", System.Text.Encoding.UTF8.GetBytes(Swap), 0, true, CancellationToken.None);
        var swapper = new CollectingSink();
        var process = await _sandbox.SpawnAsync("python3 swap.py", swapper, CancellationToken.None);
        for (var i = 0; i < 300; i++)
        {
            try
            {
                await _sandbox.WriteFileAsync($"d/tmp/{marker}-{i}", "x"u8.ToArray(), 0, true, CancellationToken.None);
                await _sandbox.ReadFileAsync("d/etc/passwd", 0, 100, CancellationToken.None);
            }
            catch (SandboxFileException)
            {
                // Either outcome is fine inside the sandbox; what matters is the host.
            }
        }
        await process.SignalTreeAsync(9, CancellationToken.None);
        await swapper.Exit.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(Directory.GetFiles("/tmp", marker + "*"));
        Assert.Empty(Directory.GetFiles("/", marker + "*"));
    }
}
