using AotSandbox.Tests.Sdk.Fakes;

namespace AotSandbox.Tests.Sdk;

/// <summary>Destroy resolves pending work instead of failing it (docs/PROTOCOL.md §3.10).</summary>
public sealed class DestroyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Destroy_ResolvesEveryPendingOperationAsDestroyed(bool serverClosesDuringDelete)
    {
        InMemoryTransport? transport = null;
        await using RestStub stub = await RestStub.StartAsync(request =>
        {
            if (serverClosesDuringDelete)
            {
                transport!.ServerClose(1005);
            }

            return (200, "{\"sandboxId\":\"sb-test\",\"status\":\"destroyed\"}");
        });
        transport = new InMemoryTransport();
        transport.Enqueue("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-test\"}");
        Sandbox sandbox = TestSandbox.Create(transport, apiHost: stub.Url);
        await sandbox.ConnectAsync();
        await transport.NextSentAsync();

        ExecTask foreground = sandbox.Exec("sleep 100");
        string fgId = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{fgId}\",\"data\":\"partial\"}}");

        Task<DetachedCommand> notYetAcked = sandbox.StartDetachedAsync("srv1");
        await transport.NextSentAsync();

        Task<DetachedCommand> acked = sandbox.StartDetachedAsync("srv2");
        string ackedId = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.detached\",\"execId\":\"{ackedId}\",\"pid\":7,\"startedAt\":1}}");
        Task<CommandExit> wait = (await acked).WaitAsync();

        Task<string> read = sandbox.ReadFileAsync("x");
        await transport.NextSentAsync();
        Task<DetachedCommand> get = sandbox.GetCommandAsync("exec-elsewhere");
        await transport.NextSentAsync();

        SandboxDestroyResult result = await sandbox.DestroyAsync();
        Assert.Equal(("sb-test", "destroyed"), (result.SandboxId, result.Status));
        Assert.Equal("DELETE", stub.Requests.Single().Method);

        ExecResult fg = await foreground;
        Assert.Equal(("partial", null as int?, true), (fg.Stdout, fg.ExitCode, fg.Destroyed));
        DetachedCommand pendingHandle = await notYetAcked;
        Assert.True(pendingHandle.Destroyed);
        Assert.Null(pendingHandle.Pid);
        CommandExit exit = await wait;
        Assert.Equal((null as int?, true), (exit.ExitCode, exit.Destroyed));
        Assert.Equal(string.Empty, await read);
        Assert.True((await get).Destroyed);
        Assert.False(sandbox.IsConnected);
    }

    [Fact]
    public async Task Destroy_DeleteFails_KeepsTheConnectionAndRethrows()
    {
        await using RestStub stub = await RestStub.StartAsync(_ => (500, "oops"));
        var transport = new InMemoryTransport();
        transport.Enqueue("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-test\"}");
        Sandbox sandbox = TestSandbox.Create(transport, apiHost: stub.Url);
        await sandbox.ConnectAsync();
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => sandbox.DestroyAsync());
        Assert.Equal("Could not destroy sandbox 'sb-test': 500 oops", error.Message);
        Assert.True(sandbox.IsConnected);

        // A later unexpected close fails (not resolves) pending work: the intentional mark was cleared.
        ExecTask exec = sandbox.Exec("x");
        await transport.NextSentAsync();
        await transport.NextSentAsync();
        transport.ServerClose(1011);
        await Assert.ThrowsAsync<SandboxWebSocketException>(async () => await exec);
    }
}
