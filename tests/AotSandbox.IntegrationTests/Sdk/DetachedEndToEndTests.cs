using System.Text;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>Background commands: ack, wait, kill, stdin, the 5-command limit, re-attach from another connection, replay.</summary>
public abstract class DetachedEndToEndTests(SdkEmulatorFixture emulator) : IAsyncLifetime
{
    private Sandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await Sandbox.CreateAsync(emulator.Create("detached-tests"));

    public async Task DisposeAsync() => await _sandbox.DestroyAsync();

    [Fact]
    public async Task Detached_AckCarriesPidAndStartTime_WaitReturnsExitCode()
    {
        DateTimeOffset before = DateTimeOffset.UtcNow.AddSeconds(-5);
        DetachedCommand command = await _sandbox.StartDetachedAsync("sleep 0.3; exit 4");

        Assert.True(command.Pid > 0);
        Assert.InRange(command.StartedAt!.Value, before, DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.True(command.Detached);
        CommandExit exit = await command.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4, exit.ExitCode);
        Assert.False(exit.Destroyed);
    }

    [Fact]
    public async Task Detached_KillAndStdinThroughTheHandle()
    {
        var output = new StringBuilder();
        DetachedCommand command = await _sandbox.StartDetachedAsync("cat", new DetachedExecOptions
        {
            OnOutput = (_, utf8) => { lock (output) { output.Append(Encoding.UTF8.GetString(utf8)); } },
        });
        await command.WriteStdinAsync("echoed\n");
        await WaitForAsync(() => { lock (output) { return output.ToString() == "echoed\n"; } });
        await command.KillAsync("SIGTERM");

        CommandExit exit = await command.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(143, exit.ExitCode);
    }

    [Fact]
    public async Task Detached_SixthRunningCommand_IsRefused()
    {
        await using Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("limit"));
        var running = new List<DetachedCommand>();
        for (int i = 0; i < 5; i++)
        {
            running.Add(await sandbox.StartDetachedAsync("sleep 60"));
        }

        var error = await Assert.ThrowsAsync<SandboxClientException>(() => sandbox.StartDetachedAsync("sleep 60"));
        Assert.Contains("5", error.Message, StringComparison.Ordinal);

        // Once one ends, a new one is accepted again.
        await running[0].KillAsync("SIGKILL");
        await running[0].WaitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        DetachedCommand sixth = await sandbox.StartDetachedAsync("true");
        Assert.Equal(0, (await sixth.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10))).ExitCode);
        await sandbox.DestroyAsync();
    }

    [Fact]
    public async Task GetCommand_FromSecondConnection_ReceivesLiveOutputAndExit()
    {
        DetachedCommand command = await _sandbox.StartDetachedAsync("for i in $(seq 1 30); do echo tick $i; sleep 0.1; done");
        await using Sandbox second = await Sandbox.AttachAsync(_sandbox.Id, _sandbox.SessionToken!, emulator.Connection());
        var seen = new StringBuilder();
        DetachedCommand attached = await second.GetCommandAsync(command.ExecId, (_, utf8) => { lock (seen) { seen.Append(Encoding.UTF8.GetString(utf8)); } });

        Assert.Equal("for i in $(seq 1 30); do echo tick $i; sleep 0.1; done", attached.Command);
        Assert.Equal(command.Pid, attached.Pid);
        CommandExit exit = await attached.WaitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(0, exit.ExitCode);
        string text;
        lock (seen)
        {
            text = seen.ToString();
        }

        Assert.EndsWith("tick 30\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCommand_WithReplay_DeliversOutputFromBeforeTheReattach_OrOnlyLiveOutputWhenStrict()
    {
        if (emulator.StrictProtocol)
        {
            await ReplayAsked_WithoutTheExtension_GivesOnlyLiveOutput();
            return;
        }

        Assert.Contains(SandboxExtensionNames.ExecReplay, _sandbox.Extensions);
        DetachedCommand command = await _sandbox.StartDetachedAsync("echo early; sleep 30");
        await Task.Delay(500);
        await using Sandbox second = await Sandbox.AttachAsync(_sandbox.Id, _sandbox.SessionToken!, emulator.Connection());
        var seen = new StringBuilder();
        await second.GetCommandAsync(command.ExecId, new GetCommandOptions
        {
            Replay = true,
            OnOutput = (_, utf8) => { lock (seen) { seen.Append(Encoding.UTF8.GetString(utf8)); } },
        });

        await WaitForAsync(() => { lock (seen) { return seen.ToString() == "early\n"; } });
        await command.KillAsync("SIGKILL");
    }

    /// <summary>The real service has no replay: asking for it must still attach, with live output only.</summary>
    private async Task ReplayAsked_WithoutTheExtension_GivesOnlyLiveOutput()
    {
        Assert.Empty(_sandbox.Extensions);
        DetachedCommand command = await _sandbox.StartDetachedAsync("echo early; sleep 2; echo late; sleep 30");
        await Task.Delay(500);
        await using Sandbox second = await Sandbox.AttachAsync(_sandbox.Id, _sandbox.SessionToken!, emulator.Connection());
        var seen = new StringBuilder();
        await second.GetCommandAsync(command.ExecId, new GetCommandOptions
        {
            Replay = true,
            OnOutput = (_, utf8) => { lock (seen) { seen.Append(Encoding.UTF8.GetString(utf8)); } },
        });

        await WaitForAsync(() => { lock (seen) { return seen.ToString().Contains("late", StringComparison.Ordinal); } });
        lock (seen)
        {
            Assert.Equal("late\n", seen.ToString());
        }

        await command.KillAsync("SIGKILL");
    }

    [Fact]
    public async Task GetCommand_UnknownOrExited_ThrowsCommandNotFound()
    {
        await Assert.ThrowsAsync<SandboxCommandNotFoundException>(() => _sandbox.GetCommandAsync("exec-000000000000000000000000"));
        DetachedCommand done = await _sandbox.StartDetachedAsync("true");
        await done.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<SandboxCommandNotFoundException>(() => _sandbox.GetCommandAsync(done.ExecId));
    }

    [Fact]
    public async Task Detached_WithTimeout_IsRefusedLocally()
    {
        await Assert.ThrowsAsync<SandboxClientException>(() =>
            _sandbox.StartDetachedAsync("sleep 1", new DetachedExecOptions { Timeout = TimeSpan.FromSeconds(1) }));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), "condition not met within 10 s");
    }
}

/// <summary>DetachedEndToEndTests against the emulator that offers the protocol extensions.</summary>
[Collection(SdkEmulatorCollection.Name)]
public sealed class DetachedEndToEndTestsExtended(SdkEmulatorFixture emulator) : DetachedEndToEndTests(emulator);

/// <summary>DetachedEndToEndTests against the strict-protocol emulator (the real service's paths: no extensions, 1 MiB frames).</summary>
[Collection(StrictSdkEmulatorCollection.Name)]
public sealed class DetachedEndToEndTestsStrict(StrictSdkEmulatorFixture emulator) : DetachedEndToEndTests(emulator);
