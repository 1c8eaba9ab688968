namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// Issue 12 item 6: no sandbox process may lower its oom_score_adj below 0. Commands run at +1000 (chosen first in an
/// OOM); where the host lets the launcher put the agent at -1000, that must not become the floor the commands inherit.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class OomFloorTests(RuntimeFixture fixture)
{
    [Theory]
    [InlineData("-1")]
    [InlineData("-1000")]
    public async Task Command_CannotLowerItsOomScoreBelowZero(string value)
    {
        // python reports the errno of the write itself, so "refused" means the kernel said EACCES, not a missing tool.
        const string Probe = "import errno, os, sys\n"
            + "def show(): print(open('/proc/self/oom_score_adj').read().strip())\n"
            + "def put(v):\n"
            + "    try:\n"
            + "        fd = os.open('/proc/self/oom_score_adj', os.O_WRONLY); os.write(fd, v.encode()); os.close(fd); print('wrote', v)\n"
            + "    except OSError as e: print('refused', v, errno.errorcode[e.errno])\n"
            + "show(); put(sys.argv[1]); show(); put('0'); show()\n";
        var (exit, stdout, stderr) = await fixture.Shared.RunAsync($"python3 -c \"{Probe}\" {value}");
        Assert.True(exit == 0, $"the probe failed ({exit}): {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["1000", $"refused {value} EACCES", "1000", "wrote 0", "0"], lines); // commands start at +1000; 0 is the floor, not lower
    }
}
