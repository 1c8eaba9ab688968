using System.Text;
using AotSandbox.Tests.Sdk.Fakes;

namespace AotSandbox.Tests.Sdk;

/// <summary>Foreground commands (docs/PROTOCOL.md §3.6): output, exit, stdin ordering, timeout, cancellation, streaming.</summary>
public sealed class ExecTests
{
    [Fact]
    public async Task Exec_AccumulatesOutputAndCallsTheHandler_ThenResolvesOnExit()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        var seen = new List<string>();
        ExecTask task = sandbox.Exec("ls -al", new ExecOptions { OnOutput = (s, d) => seen.Add($"{s}:{Encoding.UTF8.GetString(d)}") });
        Assert.Matches("^exec-[0-9a-f]{24}$", task.ExecId);
        string run = await transport.NextSentAsync();
        Assert.Equal($"{{\"type\":\"exec.run\",\"execId\":\"{task.ExecId}\",\"command\":\"ls -al\"}}", run);

        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{task.ExecId}\",\"stream\":\"stdout\",\"data\":\"hello\\n\"}}");
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{task.ExecId}\",\"stream\":\"stderr\",\"data\":\"w\\u00e9\"}}");
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{task.ExecId}\"}}");
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{task.ExecId}\",\"exitCode\":3}}");
        ExecResult result = await task;
        Assert.Equal((task.ExecId, "hello\n", "wé", 3, false), (result.ExecId, result.Stdout, result.Stderr, result.ExitCode, result.Destroyed));
        Assert.Equal(["Stdout:hello\n", "Stderr:wé", "Stdout:"], seen);
    }

    [Fact]
    public async Task Exec_CaptureOff_LeavesResultTextEmpty_MissingExitCodeIsMinusOne()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        int bytes = 0;
        ExecTask task = sandbox.Exec("yes", new ExecOptions { CaptureOutput = false, OnOutput = (_, d) => bytes += d.Length });
        await transport.NextSentAsync();
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{task.ExecId}\",\"data\":\"y\\ny\\n\"}}");
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{task.ExecId}\"}}");
        ExecResult result = await task;
        Assert.Equal((string.Empty, -1, 4), (result.Stdout, result.ExitCode, bytes));
    }

    [Fact]
    public async Task Exec_Stdin_IsSentRunInputEndInputBackToBack()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask task = sandbox.Exec("python process_csv.py", new ExecOptions { Stdin = "col1,col2\nval1,val2\n" });
        Assert.Equal("exec.run", TestSandbox.TypeOf(await transport.NextSentAsync()));
        Assert.Equal($"{{\"type\":\"exec.input\",\"execId\":\"{task.ExecId}\",\"data\":\"col1,col2\\nval1,val2\\n\"}}", await transport.NextSentAsync());
        Assert.Equal($"{{\"type\":\"exec.endInput\",\"execId\":\"{task.ExecId}\"}}", await transport.NextSentAsync());

        ExecTask binary = sandbox.Exec("cat", new ExecOptions { StdinBytes = new byte[] { 0, 1, 2, 255 } });
        await transport.NextSentAsync();
        Assert.Equal($"{{\"type\":\"exec.input\",\"execId\":\"{binary.ExecId}\",\"data\":\"AAEC/w==\",\"encoding\":\"base64\"}}", await transport.NextSentAsync());
        Assert.Equal("exec.endInput", TestSandbox.TypeOf(await transport.NextSentAsync()));
    }

    [Fact]
    public async Task Exec_StreamingStdin_ById()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask task = sandbox.Exec("cat -n");
        await transport.NextSentAsync();
        await sandbox.WriteStdinAsync(task.ExecId, "line 1\n");
        await sandbox.WriteStdinAsync(task.ExecId, new byte[] { 0x41 });
        await sandbox.CloseStdinAsync(task.ExecId);
        await sandbox.KillAsync(task.ExecId, "SIGKILL");
        Assert.Equal($"{{\"type\":\"exec.input\",\"execId\":\"{task.ExecId}\",\"data\":\"line 1\\n\"}}", await transport.NextSentAsync());
        Assert.Equal($"{{\"type\":\"exec.input\",\"execId\":\"{task.ExecId}\",\"data\":\"QQ==\",\"encoding\":\"base64\"}}", await transport.NextSentAsync());
        Assert.Equal($"{{\"type\":\"exec.endInput\",\"execId\":\"{task.ExecId}\"}}", await transport.NextSentAsync());
        Assert.Equal($"{{\"type\":\"exec.kill\",\"execId\":\"{task.ExecId}\",\"signal\":\"SIGKILL\"}}", await transport.NextSentAsync());
    }

    [Fact]
    public async Task Exec_Timeout_SendsSigtermKill_DropsTheEntry_AndThrowsTimeout()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask task = sandbox.Exec("sleep 100", new ExecOptions { Timeout = TimeSpan.FromMilliseconds(50) });
        await transport.NextSentAsync();
        var error = await Assert.ThrowsAsync<SandboxTimeoutException>(async () => await task);
        Assert.Equal("Command 'sleep 100' exceeded timeout of 50ms", error.Message);
        Assert.Equal($"{{\"type\":\"exec.kill\",\"execId\":\"{task.ExecId}\",\"signal\":\"SIGTERM\"}}", await transport.NextSentAsync());

        // Later frames for the id are ignored, and the connection keeps working.
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{task.ExecId}\",\"exitCode\":143}}");
        ExecTask next = sandbox.Exec("true");
        await transport.NextSentAsync();
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{next.ExecId}\",\"exitCode\":0}}");
        Assert.Equal(0, (await next).ExitCode);
    }

    [Fact]
    public async Task Exec_ZeroTimeout_ExpiresAtOnce()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask task = sandbox.Exec("sleep 1", new ExecOptions { Timeout = TimeSpan.Zero });
        await Assert.ThrowsAsync<SandboxTimeoutException>(async () => await task);
        Assert.Equal("exec.run", TestSandbox.TypeOf(await transport.NextSentAsync()));
        Assert.Equal("exec.kill", TestSandbox.TypeOf(await transport.NextSentAsync()));
    }

    [Fact]
    public async Task Exec_Cancellation_SendsKill_AndThrowsOperationCanceled()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        using var cts = new CancellationTokenSource();
        ExecTask task = sandbox.Exec("sleep 100", new ExecOptions { CancellationToken = cts.Token });
        await transport.NextSentAsync();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await task);
        Assert.Equal($"{{\"type\":\"exec.kill\",\"execId\":\"{task.ExecId}\",\"signal\":\"SIGTERM\"}}", await transport.NextSentAsync());
    }

    [Fact]
    public async Task Exec_ErrorFrame_FailsWithClientErrorCarryingTheCode()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask task = sandbox.Exec("x");
        await transport.NextSentAsync();
        transport.Enqueue($"{{\"type\":\"error\",\"execId\":\"{task.ExecId}\",\"code\":\"LIMIT_EXCEEDED\",\"message\":\"too many\"}}");
        var error = await Assert.ThrowsAsync<SandboxClientException>(async () => await task);
        Assert.Equal(("too many", "LIMIT_EXCEEDED"), (error.Message, error.ErrorCode));
    }

    [Fact]
    public async Task ExecStream_YieldsChunks_ThenExposesTheExitCode()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        transport.OnClientFrame = (t, frame) =>
        {
            if (TestSandbox.TypeOf(frame) == "exec.run")
            {
                string id = TestSandbox.ExecIdOf(frame);
                t.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"a\"}}");
                t.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"stream\":\"stderr\",\"data\":\"b\"}}");
                t.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{id}\",\"exitCode\":7}}");
            }
        };
        ExecStream stream = sandbox.ExecStreamAsync("echo");
        var chunks = new List<OutputChunk>();
        await foreach (OutputChunk chunk in stream)
        {
            chunks.Add(chunk);
        }

        Assert.Equal([new OutputChunk(OutputStream.Stdout, "a"), new OutputChunk(OutputStream.Stderr, "b")], chunks);
        Assert.Equal(7, stream.ExitCode);
    }
}
