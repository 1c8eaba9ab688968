using System.Diagnostics;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// Issue 12 item 5, host side: the agent channel is untrusted input. A hostile agent double sends forged, oversized,
/// endless or garbage frames; the host must stop that sandbox (terminated, with a reason that says what the agent did)
/// within seconds and without its memory growing with what the agent sends. Each double stops after 256 MiB, so the
/// old host (which queued or assembled all of it and never failed the sandbox) fails these tests by timeout instead
/// of taking the machine down.
/// </summary>
public sealed class HostileAgentTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public Task EndlessStderrLine_FailsTheSandbox_BoundedMemory() => AssertFailsAsync(
        "endless-stderr",
        """
                chunk = b'A' * 65536
                for _ in range(4096):
                    err.write(chunk)
                    err.flush()
        """,
        "diagnostics pipe");

    [Fact]
    public Task OutputBeyondTheWindow_FailsTheSandbox_BoundedMemory() => AssertFailsAsync(
        "output-flood",
        """
                send(0x81, spawn_id, struct.pack('<I', 2))
                chunk = b'\x01' + b'x' * 65536
                for _ in range(4096):
                    send(0x82, spawn_id, chunk)
        """,
        "had not acknowledged");

    [Fact]
    public Task EmptyOutputFrame_FailsTheSandbox() => AssertFailsAsync(
        "empty-output",
        """
                send(0x81, spawn_id, struct.pack('<I', 2))
                send(0x82, spawn_id)
        """,
        "event 0x82 with a 0-byte payload");

    [Fact]
    public Task ShortSpawnedFrame_FailsTheSandbox() => AssertFailsAsync(
        "short-spawned",
        """
                send(0x81, spawn_id, b'\x02')
        """,
        "event 0x81 with a 1-byte payload");

    [Fact]
    public Task ForgedStdinCredit_FailsTheSandbox() => AssertFailsAsync(
        "forged-credit",
        """
                send(0x81, spawn_id, struct.pack('<I', 2))
                for _ in range(16):
                    send(0x84, spawn_id, struct.pack('<I', 0xFFFFFFFF))
        """,
        "credited more stdin");

    [Fact]
    public Task StderrFromATerminalExec_FailsTheSandbox() => AssertFailsAsync(
        "pty-stderr",
        """
                send(0x81, spawn_id, struct.pack('<I', 2))
                send(0x82, spawn_id, b'\x02forged stderr')
        """,
        "runs on a terminal",
        terminal: true);

    [Fact]
    public Task UnknownEventType_FailsTheSandbox() => AssertFailsAsync(
        "unknown-type",
        """
                send(0x7F, spawn_id, b'garbage')
        """,
        "unknown event type 0x7f");

    [Fact]
    public Task ImpossibleFrameLength_FailsTheSandbox() => AssertFailsAsync(
        "bad-length",
        """
                out.write(struct.pack('<I', 0xFFFFFFF0) + b'x' * 64)
                out.flush()
        """,
        "a frame of length 4294967280");

    private static async Task AssertFailsAsync(string name, string onSpawn, string expectedReason, bool terminal = false)
    {
        var options = HostileAgent.BaseOptions with { AgentPath = HostileAgent.Write(name, onSpawn) };
        await using var runtime = new BubblewrapRuntime(options);
        runtime.CheckPrerequisites();
        await runtime.SweepLeftoversAsync(CancellationToken.None);
        var sandbox = await runtime.StartAsync(RuntimeFixture.NewSpec(), CancellationToken.None);
        try
        {
            var before = CurrentRss();
            var sink = new StuckSink(); // never consumes: an honest agent then stops at its window
            _ = terminal
                ? sandbox.SpawnPtyAsync("true", new TerminalSize(24, 80), sink, CancellationToken.None).AsTask()
                : sandbox.SpawnAsync("true", sink, CancellationToken.None).AsTask();
            await sandbox.Terminated.WaitAsync(Deadline);
            Assert.NotNull(sandbox.TerminationReason);
            Assert.Contains(expectedReason, sandbox.TerminationReason, StringComparison.Ordinal);
            // The double sends up to 256 MiB; the bound leaves room for other test classes allocating in this process meanwhile.
            var grown = CurrentRss() - before;
            Assert.True(grown < 128L << 20, $"the host grew by {grown >> 20} MiB while the agent misbehaved");
        }
        finally
        {
            await sandbox.DisposeAsync();
        }
    }

    private static long CurrentRss()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private sealed class StuckSink : IProcessSink
    {
        private readonly TaskCompletionSource _never = new();

        public async ValueTask OnOutputAsync(int stream, ReadOnlyMemory<byte> data) => await _never.Task;

        public ValueTask OnExitAsync(int exitCode) => ValueTask.CompletedTask;
    }
}
