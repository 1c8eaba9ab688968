using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// <see cref="EmulatorOptions.InstanceName"/>: separate instances own separate host resources, and one instance can run
/// only once (its lock is held for the server's lifetime), so no emulator ever sweeps another's sandboxes.
/// </summary>
public sealed class EmulatorInstanceTests
{
    [Fact]
    public void RuntimeOptions_NamedInstance_OwnsItsOwnRange()
    {
        BubblewrapRuntimeOptions demo = EmulatorInstance.RuntimeOptions("demo", null);
        BubblewrapRuntimeOptions unnamed = EmulatorInstance.RuntimeOptions(null, null);
        Assert.Equal("/run/aotsandbox-demo", demo.StateRoot);
        Assert.Equal("aotsandbox-demo", demo.CgroupParent);
        Assert.Equal("aotsb_demo_", demo.NetnsPrefix);
        Assert.Equal(1024, demo.UidCount);
        Assert.Equal(0, (demo.UidBase - EmulatorInstance.NamedUidBase) % 1024);
        Assert.InRange(demo.UidBase, EmulatorInstance.NamedUidBase, EmulatorInstance.NamedUidBase + (62 * 1024));
        // Named slots overlap neither the default pool nor the ranges the test suites use (260000+256, 270000, 6xxxxx).
        Assert.True(demo.UidBase > 270000 + 1024 && demo.UidBase + demo.UidCount < 600000);
        Assert.Equal(demo.UidBase, EmulatorInstance.RuntimeOptions("demo", null).UidBase); // stable: a restart sweeps its own leftovers

        Assert.Equal("/run/aotsandbox", unnamed.StateRoot);
        Assert.Equal("aotsb-", unnamed.NetnsPrefix);
        Assert.Equal(EmulatorInstance.DefaultUidBase, unnamed.UidBase);
        // The sweep deletes every namespace starting with its prefix: no prefix may start another's.
        Assert.False(demo.NetnsPrefix.StartsWith(unnamed.NetnsPrefix, StringComparison.Ordinal));
        Assert.False(EmulatorInstance.RuntimeOptions("a-b", null).NetnsPrefix.StartsWith(EmulatorInstance.RuntimeOptions("a", null).NetnsPrefix, StringComparison.Ordinal));

        Assert.Equal("/tmp/x", EmulatorInstance.RuntimeOptions("demo", "/tmp/x").StateRoot);
    }

    [Theory]
    [InlineData("")]
    [InlineData("UPPER")]
    [InlineData("under_score")]
    [InlineData("seventeen-chars-x")]
    [InlineData("../etc")]
    public void InstanceName_Invalid_IsRejectedAtConstruction(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new EmulatorServer(new EmulatorOptions { InstanceName = name }));
        Assert.Contains("InstanceName", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SameInstance_SecondServerFailsWithOneLine_AndNothingOfTheFirstIsSwept()
    {
        await using var first = new EmulatorServer(new EmulatorOptions { InstanceName = "clitest-lock" });
        await first.StartAsync();
        var credentials = new SandboxCreateOptions { ApiHost = first.ApiHost, Namespace = first.Namespace, ApiKey = first.ApiKey, Size = SandboxSize.Small };
        await using Sandbox sandbox = await Sandbox.CreateAsync(credentials);

        await using var second = new EmulatorServer(new EmulatorOptions { InstanceName = "clitest-lock" });
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync());
        Assert.Contains("--instance NAME", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);

        // The refused twin swept nothing: the first server's sandbox still runs commands.
        ExecResult alive = await sandbox.Exec("echo alive", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        Assert.Equal("alive\n", alive.Stdout);
        await sandbox.DestroyAsync();

        // Stopping the first releases the instance: a new server of the same name starts.
        await first.DisposeAsync();
        await using var third = new EmulatorServer(new EmulatorOptions { InstanceName = "clitest-lock" });
        await third.StartAsync();
    }

    [Fact]
    public async Task DifferentInstances_RunSideBySide()
    {
        await using var a = new EmulatorServer(new EmulatorOptions { InstanceName = "clitest-a" });
        await using var b = new EmulatorServer(new EmulatorOptions { InstanceName = "clitest-b" });
        await a.StartAsync();
        await b.StartAsync();
        await using Sandbox inA = await Sandbox.CreateAsync(new SandboxCreateOptions { ApiHost = a.ApiHost, Namespace = a.Namespace, ApiKey = a.ApiKey, Size = SandboxSize.Small });
        await using Sandbox inB = await Sandbox.CreateAsync(new SandboxCreateOptions { ApiHost = b.ApiHost, Namespace = b.Namespace, ApiKey = b.ApiKey, Size = SandboxSize.Small });
        Assert.Equal("a\n", (await inA.Exec("echo a")).Stdout);
        Assert.Equal("b\n", (await inB.Exec("echo b")).Stdout);
    }
}
