using System.Text;
using AotSandbox.Tests.Sdk.Fakes;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Sdk;

/// <summary>Resume after a lost connection (docs/PROTOCOL.md §3.11), with the in-memory transport playing two connections.</summary>
public sealed class ReconnectUnitTests
{
    private static (Sandbox Sandbox, Queue<InMemoryTransport> Connections) Create(string[] extensions, int connections, Action<SandboxConnectionOptions>? configure = null)
    {
        var queue = new Queue<InMemoryTransport>();
        for (int i = 0; i < connections; i++)
        {
            var t = new InMemoryTransport();
            t.Enqueue($"{{\"type\":\"auth.ok\",\"sandboxId\":\"{TestSandbox.Id}\"}}");
            queue.Enqueue(t);
        }

        var all = queue.ToArray();
        int next = 0;
        Sandbox sandbox = TestSandbox.Create(all[0], extensions: extensions, configure: o =>
        {
            o.TransportFactory = (_, _, _) => ValueTask.FromResult<IMessageTransport>(all[Interlocked.Increment(ref next) - 1]);
            configure?.Invoke(o);
        });
        return (sandbox, queue);
    }

    private static async Task<(DetachedCommand Command, StringBuilder Out, StringBuilder Err)> StartAsync(Sandbox sandbox, InMemoryTransport transport)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        Task<DetachedCommand> start = sandbox.StartDetachedAsync("producer", new DetachedExecOptions
        {
            OnOutput = (s, d) => (s == OutputStream.Stderr ? stderr : stdout).Append(Encoding.UTF8.GetString(d)),
        });
        Assert.Equal("auth", TestSandbox.TypeOf(await transport.NextSentAsync()));
        string execId = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.detached\",\"execId\":\"{execId}\",\"pid\":7}}");
        return (await start, stdout, stderr);
    }

    [Fact]
    public async Task Replay_ResendingEverything_InOtherChunks_IsDeliveredOnce()
    {
        (Sandbox sandbox, Queue<InMemoryTransport> connections) = Create([SandboxExtensionNames.ExecReplay], 2);
        await sandbox.ConnectAsync();
        InMemoryTransport first = connections.Dequeue();
        (DetachedCommand command, StringBuilder stdout, StringBuilder stderr) = await StartAsync(sandbox, first);
        string id = command.ExecId;
        first.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"line-1\\nli\"}}");
        first.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"stream\":\"stderr\",\"data\":\"e1\\n\"}}");
        first.ServerClose(1006);
        await Assert.ThrowsAsync<SandboxWebSocketException>(() => command.WaitAsync());

        InMemoryTransport second = connections.Dequeue();
        Task reconnect = sandbox.ReconnectAsync();
        Assert.Equal("auth", TestSandbox.TypeOf(await second.NextSentAsync()));
        Assert.Equal($"{{\"type\":\"exec.get\",\"execId\":\"{id}\",\"replay\":true}}", await second.NextSentAsync());
        second.Enqueue($"{{\"type\":\"exec.info\",\"execId\":\"{id}\",\"detached\":true,\"exited\":true,\"exitCode\":0}}");
        await reconnect;

        // The replay starts from the beginning, split differently from the first delivery.
        second.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"lin\"}}");
        second.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"e-1\\nline-2\\n\"}}");
        second.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"stream\":\"stderr\",\"data\":\"e1\\ne2\\n\"}}");
        second.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{id}\",\"exitCode\":0}}");
        CommandExit exit = await command.WaitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, exit.ExitCode);
        Assert.Equal("line-1\nline-2\n", stdout.ToString());
        Assert.Equal("e1\ne2\n", stderr.ToString());
    }

    [Fact]
    public async Task NoReplay_CommandGoneMeanwhile_FailsWithWhatWasLost()
    {
        (Sandbox sandbox, Queue<InMemoryTransport> connections) = Create([], 2);
        await sandbox.ConnectAsync();
        InMemoryTransport first = connections.Dequeue();
        (DetachedCommand command, _, _) = await StartAsync(sandbox, first);
        first.ServerClose(1006);
        await Assert.ThrowsAsync<SandboxWebSocketException>(() => command.WaitAsync());

        InMemoryTransport second = connections.Dequeue();
        Task reconnect = sandbox.ReconnectAsync();
        await second.NextSentAsync();
        Assert.Equal($"{{\"type\":\"exec.get\",\"execId\":\"{command.ExecId}\"}}", await second.NextSentAsync());
        second.Enqueue($"{{\"type\":\"error\",\"execId\":\"{command.ExecId}\",\"code\":\"NOT_FOUND\",\"message\":\"no such exec\"}}");
        await reconnect;
        SandboxCommandNotFoundException gone = await Assert.ThrowsAsync<SandboxCommandNotFoundException>(() => command.WaitAsync());
        Assert.Contains("ended while the connection was down", gone.Message, StringComparison.Ordinal);
        Assert.True(sandbox.IsConnected);
    }

    [Fact]
    public async Task AutoReconnect_KeepsTheWaitPending_AndResumes()
    {
        (Sandbox sandbox, Queue<InMemoryTransport> connections) = Create([SandboxExtensionNames.ExecReplay], 2, o => o.AutoReconnect = true);
        await sandbox.ConnectAsync();
        InMemoryTransport first = connections.Dequeue();
        (DetachedCommand command, StringBuilder stdout, _) = await StartAsync(sandbox, first);
        Task<CommandExit> wait = command.WaitAsync();
        first.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{command.ExecId}\",\"data\":\"a\"}}");
        first.ServerClose(1006);

        InMemoryTransport second = connections.Dequeue();
        Assert.Equal("auth", TestSandbox.TypeOf(await second.NextSentAsync(TimeSpan.FromSeconds(10))));
        Assert.False(wait.IsCompleted);
        Assert.Equal($"{{\"type\":\"exec.get\",\"execId\":\"{command.ExecId}\",\"replay\":true}}", await second.NextSentAsync());
        second.Enqueue($"{{\"type\":\"exec.info\",\"execId\":\"{command.ExecId}\",\"detached\":true,\"exited\":false}}");
        second.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{command.ExecId}\",\"data\":\"ab\"}}");
        second.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{command.ExecId}\",\"exitCode\":3}}");
        Assert.Equal(3, (await wait.WaitAsync(TimeSpan.FromSeconds(5))).ExitCode);
        Assert.Equal("ab", stdout.ToString());
    }

    [Fact]
    public async Task AutoReconnect_GivesUpAfterTheAttempts_AndFailsTheWait()
    {
        var first = new InMemoryTransport();
        first.Enqueue($"{{\"type\":\"auth.ok\",\"sandboxId\":\"{TestSandbox.Id}\"}}");
        int connects = 0;
        Sandbox sandbox = TestSandbox.Create(first, extensions: [SandboxExtensionNames.ExecReplay], configure: o =>
        {
            o.AutoReconnect = true;
            o.MaxReconnectAttempts = 2;
            o.TransportFactory = (_, _, _) => Interlocked.Increment(ref connects) == 1
                ? ValueTask.FromResult<IMessageTransport>(first)
                : ValueTask.FromException<IMessageTransport>(new IOException("connection refused"));
        });
        await sandbox.ConnectAsync();
        (DetachedCommand command, _, _) = await StartAsync(sandbox, first);
        first.ServerClose(1006);
        SandboxWebSocketException error = await Assert.ThrowsAsync<SandboxWebSocketException>(() => command.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("automatic reconnection gave up after 2 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, connects);
    }
}
