using System.Text;
using AotSandbox.Tests.Sdk.Fakes;

namespace AotSandbox.Tests.Sdk;

/// <summary>Detached commands and re-attach (docs/PROTOCOL.md §3.7).</summary>
public sealed class DetachedTests
{
    [Fact]
    public async Task StartDetached_AckThenOutputThenExit()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        var output = new List<string>();
        Task<DetachedCommand> start = sandbox.StartDetachedAsync("python server.py", new DetachedExecOptions { OnOutput = (_, d) => output.Add(Encoding.UTF8.GetString(d)) });
        string run = await transport.NextSentAsync();
        string id = TestSandbox.ExecIdOf(run);
        Assert.Equal($"{{\"type\":\"exec.run\",\"execId\":\"{id}\",\"command\":\"python server.py\",\"detached\":true}}", run);
        transport.Enqueue($"{{\"type\":\"exec.detached\",\"execId\":\"{id}\",\"pid\":9999,\"startedAt\":1711036812}}");
        DetachedCommand handle = await start;
        Assert.Equal((id, 9999L, true, "python server.py"), (handle.ExecId, handle.Pid!.Value, handle.Detached, handle.Command));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1711036812), handle.StartedAt);

        Task<CommandExit> wait = handle.WaitAsync();
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"listening\"}}");
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{id}\",\"exitCode\":0}}");
        CommandExit exit = await wait;
        Assert.Equal((0, false), (exit.ExitCode, exit.Destroyed));
        Assert.Equal(["listening"], output);

        await handle.KillAsync();
        Assert.Equal($"{{\"type\":\"exec.kill\",\"execId\":\"{id}\",\"signal\":\"SIGTERM\"}}", await transport.NextSentAsync());
    }

    [Fact]
    public async Task StartDetached_WithTimeout_IsRefusedLocally()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        await Assert.ThrowsAsync<SandboxClientException>(() => sandbox.StartDetachedAsync("x", new DetachedExecOptions { Timeout = TimeSpan.FromSeconds(1) }));
        Assert.Single(transport.Sent); // only auth
    }

    [Fact]
    public async Task StartDetached_ErrorBeforeAck_FailsTheStart_ErrorAfterAck_FailsTheWait()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<DetachedCommand> refused = sandbox.StartDetachedAsync("sixth");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"error\",\"execId\":\"{id}\",\"code\":\"LIMIT_EXCEEDED\",\"message\":\"limit\"}}");
        Assert.Equal("LIMIT_EXCEEDED", (await Assert.ThrowsAsync<SandboxClientException>(() => refused)).ErrorCode);

        Task<DetachedCommand> start = sandbox.StartDetachedAsync("ok");
        string id2 = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.detached\",\"execId\":\"{id2}\",\"pid\":1,\"startedAt\":1711036812000}}");
        DetachedCommand handle = await start;
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1711036812000), handle.StartedAt);
        transport.Enqueue($"{{\"type\":\"error\",\"execId\":\"{id2}\",\"message\":\"boom\"}}");
        await Assert.ThrowsAsync<SandboxClientException>(() => handle.WaitAsync());
    }

    [Fact]
    public async Task StartDetached_ExitBeforeAck_StillYieldsAHandleWhoseWaitReportsTheExit()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<DetachedCommand> start = sandbox.StartDetachedAsync("true");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{id}\",\"exitCode\":0}}");
        DetachedCommand handle = await start;
        Assert.Null(handle.Pid);
        Assert.Equal(0, (await handle.WaitAsync()).ExitCode);
    }

    [Fact]
    public async Task GetCommand_ErrorOfAnyCode_IsCommandNotFound()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<DetachedCommand> get = sandbox.GetCommandAsync("exec-gone");
        Assert.Equal("{\"type\":\"exec.get\",\"execId\":\"exec-gone\"}", await transport.NextSentAsync());
        transport.Enqueue("{\"type\":\"error\",\"execId\":\"exec-gone\",\"code\":\"WHATEVER\",\"message\":\"no running process for execId\"}");
        var error = await Assert.ThrowsAsync<SandboxCommandNotFoundException>(() => get);
        Assert.Equal("no running process for execId", error.Message);
    }

    [Fact]
    public async Task GetCommand_OtherConnection_RegistersAMonitorForLaterFrames()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        var output = new StringBuilder();
        Task<DetachedCommand> get = sandbox.GetCommandAsync("exec-d1e2f3a4", (_, d) => output.Append(Encoding.UTF8.GetString(d)));
        await transport.NextSentAsync();
        transport.Enqueue("{\"type\":\"exec.info\",\"execId\":\"exec-d1e2f3a4\",\"command\":\"npm run dev\",\"pid\":5678,\"startedAt\":1711036812,\"detached\":true}");
        transport.Enqueue("{\"type\":\"exec.output\",\"execId\":\"exec-d1e2f3a4\",\"data\":\"later\"}");
        transport.Enqueue("{\"type\":\"exec.exit\",\"execId\":\"exec-d1e2f3a4\",\"exitCode\":0}");
        DetachedCommand handle = await get;
        Assert.Equal(("npm run dev", 5678L), (handle.Command, handle.Pid!.Value));
        Assert.Equal(0, (await handle.WaitAsync()).ExitCode);
        Assert.Equal("later", output.ToString());
    }

    [Fact]
    public async Task GetCommand_SameConnection_ChainsCallbacksAndSharesTheWait()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        var first = new List<string>();
        var second = new List<string>();
        Task<DetachedCommand> start = sandbox.StartDetachedAsync("srv", new DetachedExecOptions { OnOutput = (_, d) => first.Add(Encoding.UTF8.GetString(d)) });
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.detached\",\"execId\":\"{id}\",\"pid\":1,\"startedAt\":2}}");
        DetachedCommand original = await start;

        Task<DetachedCommand> get = sandbox.GetCommandAsync(id, (_, d) => second.Add(Encoding.UTF8.GetString(d)));
        await transport.NextSentAsync();
        transport.Enqueue($"{{\"type\":\"exec.info\",\"execId\":\"{id}\",\"command\":\"srv\",\"pid\":1,\"startedAt\":2,\"detached\":true}}");
        DetachedCommand again = await get;
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"x\"}}");
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{id}\",\"exitCode\":5}}");
        Assert.Same(await original.WaitAsync(), await again.WaitAsync());
        Assert.Equal(["x"], first);
        Assert.Equal(["x"], second);
    }

    [Fact]
    public async Task GetCommand_Replay_IsSentOnlyWhenAdvertised()
    {
        (Sandbox plain, InMemoryTransport t1) = await TestSandbox.ConnectedAsync();
        _ = plain.GetCommandAsync("exec-x", new GetCommandOptions { Replay = true });
        Assert.Equal("{\"type\":\"exec.get\",\"execId\":\"exec-x\"}", await t1.NextSentAsync());

        (Sandbox extended, InMemoryTransport t2) = await TestSandbox.ConnectedAsync([SandboxExtensionNames.ExecReplay]);
        Assert.Contains(SandboxExtensionNames.ExecReplay, extended.Extensions);
        var output = new StringBuilder();
        Task<DetachedCommand> get = extended.GetCommandAsync("exec-x", new GetCommandOptions { Replay = true, OnOutput = (_, d) => output.Append(Encoding.UTF8.GetString(d)) });
        Assert.Equal("{\"type\":\"exec.get\",\"execId\":\"exec-x\",\"replay\":true}", await t2.NextSentAsync());
        t2.Enqueue("{\"type\":\"exec.info\",\"execId\":\"exec-x\",\"command\":\"c\",\"pid\":3,\"startedAt\":1,\"detached\":true,\"exited\":true,\"exitCode\":2}");
        t2.Enqueue("{\"type\":\"exec.output\",\"execId\":\"exec-x\",\"data\":\"old\"}");
        t2.Enqueue("{\"type\":\"exec.exit\",\"execId\":\"exec-x\",\"exitCode\":2}");
        DetachedCommand handle = await get;
        Assert.Equal(2, (await handle.WaitAsync()).ExitCode);
        Assert.Equal("old", output.ToString());
    }

    [Fact]
    public async Task ReadOutputAsync_StreamsUntilExit()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<DetachedCommand> start = sandbox.StartDetachedAsync("srv");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.detached\",\"execId\":\"{id}\",\"pid\":1,\"startedAt\":2}}");
        DetachedCommand handle = await start;
        var chunks = new List<string>();
        Task reading = Task.Run(async () =>
        {
            await foreach (OutputChunk c in handle.ReadOutputAsync())
            {
                chunks.Add(c.Text);
            }
        });
        await Task.Delay(50); // the reader subscribes from "now on"
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"1\"}}");
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"2\"}}");
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{id}\",\"exitCode\":0}}");
        await reading.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["1", "2"], chunks);
    }
}
