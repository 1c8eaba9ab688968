using AotSandbox.Tests.Sdk.Fakes;

namespace AotSandbox.Tests.Sdk;

/// <summary>
/// <see cref="Sandbox.ExecStreamAsync(string, ExecOptions?, CancellationToken)"/> buffers a bounded number of chunks:
/// a consumer that does not keep up stops the connection's receive loop (back-pressure to the socket) instead of
/// making the process hold the command's whole output.
/// </summary>
public sealed class ExecStreamBackpressureTests
{
    private const int Frames = 500;

    [Fact]
    public async Task ConsumerNotReading_ReceiveLoopStopsAtTheBound_ThenEverythingArrivesInOrder()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecStream stream = sandbox.ExecStreamAsync("seq 500");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        EnqueueOutput(transport, id, Frames, exitCode: 0);

        // Nobody enumerates yet: the loop must stop after the buffer (16) and the one chunk it holds, not read all 500.
        await Task.Delay(300);
        int unread = transport.InboundCount;
        Assert.True(unread >= Frames + 1 - 20, $"the receive loop read {Frames + 1 - unread} of {Frames + 1} messages with no consumer");

        int expected = 0;
        await foreach (OutputChunk chunk in stream)
        {
            Assert.Equal($"{expected++}\n", chunk.Text);
        }

        Assert.Equal((Frames, 0), (expected, stream.ExitCode));
    }

    [Fact]
    public async Task LeavingTheEnumerationEarly_DropsTheRest_AndTheConnectionFlowsAgain()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecStream stream = sandbox.ExecStreamAsync("seq 500");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        EnqueueOutput(transport, id, Frames, exitCode: 0);
        await foreach (OutputChunk chunk in stream)
        {
            Assert.Equal("0\n", chunk.Text);
            break;
        }

        // Everything queued behind the abandoned stream is read, and the next command completes.
        ExecTask next = sandbox.Exec("echo next");
        string nextId = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{nextId}\",\"data\":\"next\\n\"}}");
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{nextId}\",\"exitCode\":0}}");
        ExecResult result = await next.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("next\n", result.Stdout);
        Assert.Equal(0, (await stream.Completion).ExitCode);
    }

    [Fact]
    public async Task ConsumerThatStopsReading_FailsItsStreamAtTheStallLimit_OtherCommandsFlowAgain()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecStream stream = sandbox.ExecStreamAsync("seq 500", null, new ExecStreamBuffer(TimeSpan.FromMilliseconds(500)), default);
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        ExecTask other = sandbox.Exec("echo other");
        string otherId = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        EnqueueOutput(transport, id, Frames, exitCode: 0);
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{otherId}\",\"exitCode\":4}}");

        // The other command's exit sits behind the stalled stream until the stall limit, then arrives.
        await Task.Delay(200);
        Assert.False(other.AsTask().IsCompleted);
        Assert.Equal(4, (await other.AsTask().WaitAsync(TimeSpan.FromSeconds(10))).ExitCode);

        // The stalled stream yields what it buffered, then says why it stopped.
        int read = 0;
        var error = await Assert.ThrowsAsync<SandboxTimeoutException>(async () =>
        {
            await foreach (OutputChunk chunk in stream)
            {
                Assert.Equal($"{read++}\n", chunk.Text);
            }
        });
        Assert.Equal(ExecStreamBuffer.Capacity, read);
        Assert.Contains("was not read for", error.Message, StringComparison.Ordinal);
    }

    private static void EnqueueOutput(InMemoryTransport transport, string id, int frames, int exitCode)
    {
        var messages = new ReadOnlyMemory<byte>[frames + 1];
        for (int i = 0; i < frames; i++)
        {
            messages[i] = System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"data\":\"{i}\\n\"}}");
        }

        messages[frames] = System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"exec.exit\",\"execId\":\"{id}\",\"exitCode\":{exitCode}}}");
        transport.EnqueueMany(messages);
    }
}
