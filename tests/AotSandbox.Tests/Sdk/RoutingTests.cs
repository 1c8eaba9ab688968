using System.Text;
using AotSandbox.Tests.Sdk.Fakes;

namespace AotSandbox.Tests.Sdk;

/// <summary>Frame routing order and silent drops (docs/PROTOCOL.md §3.3).</summary>
public sealed class RoutingTests
{
    [Fact]
    public async Task ErrorForAPendingGet_GoesToTheGet_EvenWhenTheCommandIsMonitored()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask exec = sandbox.Exec("sleep 5");
        await transport.NextSentAsync();
        Task<DetachedCommand> get = sandbox.GetCommandAsync(exec.ExecId);
        await transport.NextSentAsync();
        transport.Enqueue($"{{\"type\":\"error\",\"execId\":\"{exec.ExecId}\",\"message\":\"nope\"}}");
        await Assert.ThrowsAsync<SandboxCommandNotFoundException>(() => get);
        Assert.False(exec.IsCompleted);

        // Now no get is pending: the next error goes to the command.
        transport.Enqueue($"{{\"type\":\"error\",\"execId\":\"{exec.ExecId}\",\"message\":\"second\"}}");
        Assert.Equal("second", (await Assert.ThrowsAsync<SandboxClientException>(async () => await exec)).Message);
    }

    [Fact]
    public async Task UnknownIdsTypesGarbageAndIdlessFrames_AreDroppedSilently()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        var output = new StringBuilder();
        ExecTask exec = sandbox.Exec("x", new ExecOptions { OnOutput = (_, d) => output.Append(Encoding.UTF8.GetString(d)) });
        await transport.NextSentAsync();
        transport.Enqueue("not json at all");
        transport.Enqueue("[1,2,3]");
        transport.Enqueue("{\"type\":\"error\",\"message\":\"no execId\"}");
        transport.Enqueue("{\"type\":\"exec.output\",\"execId\":\"exec-000000000000000000000000\",\"data\":\"other\"}");
        transport.Enqueue("{\"type\":\"exec.info\",\"execId\":\"" + exec.ExecId + "\",\"command\":\"x\"}");
        transport.Enqueue("{\"type\":\"exec.future\",\"execId\":\"" + exec.ExecId + "\"}");
        transport.Enqueue("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-test\"}");
        transport.Enqueue("{\"type\":\"file.content\",\"execId\":\"" + exec.ExecId + "\",\"content\":\"x\"}");
        transport.Enqueue("{\"type\":\"exec.output\",\"execId\":\"" + exec.ExecId + "\",\"data\":\"mine\"}");
        transport.Enqueue("{\"type\":\"exec.exit\",\"execId\":\"" + exec.ExecId + "\",\"exitCode\":0}");
        ExecResult result = await exec;
        Assert.Equal(("mine", 0), (result.Stdout, result.ExitCode));
        Assert.True(sandbox.IsConnected);
    }

    [Fact]
    public async Task EscapedExecId_StillRoutesToThePackedKey()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask exec = sandbox.Exec("x");
        await transport.NextSentAsync();
        string escaped = "\\u0065" + exec.ExecId[1..];
        transport.Enqueue("{\"type\":\"exec.exit\",\"execId\":\"" + escaped + "\",\"exitCode\":4}");
        Assert.Equal(4, (await exec).ExitCode);
    }

    [Fact]
    public async Task FileOperation_IgnoresFramesOfOtherTypes_UntilItsReply()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<IReadOnlyList<FileEntry>> list = sandbox.ListFilesAsync(".");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"x\"}}");
        transport.Enqueue($"{{\"type\":\"file.entries\",\"execId\":\"{id}\",\"entries\":[]}}");
        Assert.Empty(await list);
    }
}
