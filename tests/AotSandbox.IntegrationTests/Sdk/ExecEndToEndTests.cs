using System.Diagnostics;
using System.Text;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>Commands through the SDK against real sandboxes: results, timeouts, stdin, streaming, errors.</summary>
public abstract class ExecEndToEndTests(SdkEmulatorFixture emulator) : IAsyncLifetime
{
    private Sandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await Sandbox.CreateAsync(emulator.Create("exec-tests"));

    public async Task DisposeAsync() => await _sandbox.DestroyAsync();

    [Fact]
    public async Task Exec_RunsInWorkspace_WithSeparateStreamsAndExitCode()
    {
        ExecResult result = await _sandbox.Exec("pwd; echo oops >&2; exit 3", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });

        Assert.Equal("/workspace\n", result.Stdout);
        Assert.Equal("oops\n", result.Stderr);
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("exec-", result.ExecId, StringComparison.Ordinal);
        Assert.False(result.Destroyed);
    }

    [Fact]
    public async Task Stdin_RacingTheExit_NeverFailsACommandThatSucceeded()
    {
        // `true` does not read stdin and exits at once, so the SDK's exec.input/exec.endInput race its exit: the
        // service must drop them as no-ops, not answer NOT_FOUND ahead of exec.exit (which fails the command).
        var failures = new List<string>();
        for (int i = 0; i < 1000; i++)
        {
            try
            {
                ExecTask task = _sandbox.Exec("true", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
                // Keep input flowing until the result is in, so some of it is always on the wire when `true` exits.
                for (int sent = 0; sent < 16 && !task.AsTask().IsCompleted; sent++)
                {
                    await _sandbox.WriteStdinAsync(task.ExecId, "input racing the exit\n");
                }

                await _sandbox.CloseStdinAsync(task.ExecId);
                ExecResult result = await task;
                if (result.ExitCode != 0)
                {
                    failures.Add($"#{i}: exit {result.ExitCode}");
                }
            }
            catch (SandboxException e)
            {
                failures.Add($"#{i}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of 1000 failed; first: {failures.FirstOrDefault()}");
    }

    [Fact]
    public async Task Exec_Timeout_ThrowsAndKillsTheCommand()
    {
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<SandboxTimeoutException>(() =>
            _sandbox.Exec("echo $$ > /tmp/timeout.pid; exec sleep 30", new ExecOptions { Timeout = TimeSpan.FromMilliseconds(700) }).AsTask());

        Assert.Contains("exceeded timeout of 700ms", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"timeout took {clock.Elapsed}");
        // The client sent SIGTERM on expiry: the sleeping process is gone shortly after.
        ExecResult alive = await PollAsync("kill -0 $(cat /tmp/timeout.pid) 2>/dev/null && echo alive || echo gone", "gone\n");
        Assert.Equal("gone\n", alive.Stdout);
    }

    [Fact]
    public async Task Exec_StdinAtStart_TextAndBytes()
    {
        ExecResult text = await _sandbox.Exec("wc -l", new ExecOptions { Stdin = "a\nb\nc\n", Timeout = TimeSpan.FromSeconds(10) });
        byte[] bytes = [0, 255, 1, 254, 10];
        ExecResult binary = await _sandbox.Exec("od -An -tu1", new ExecOptions { StdinBytes = bytes, Timeout = TimeSpan.FromSeconds(10) });

        Assert.Equal("3", text.Stdout.Trim());
        Assert.Equal("0 255   1 254  10", binary.Stdout.Trim());
    }

    [Fact]
    public async Task Exec_StreamingStdin_ByExecIdBeforeAwaiting()
    {
        ExecTask task = _sandbox.Exec("cat -n", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        await _sandbox.WriteStdinAsync(task.ExecId, "line 1\n");
        await _sandbox.WriteStdinAsync(task.ExecId, Encoding.UTF8.GetBytes("line 2\n"));
        await _sandbox.CloseStdinAsync(task.ExecId);
        ExecResult result = await task;

        Assert.Equal("1\tline 1\n     2\tline 2", result.Stdout.Trim());
    }

    [Fact]
    public async Task Exec_OnOutputCallback_ReceivesLiveChunksInOrder()
    {
        var received = new StringBuilder();
        var firstChunk = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        ExecResult result = await _sandbox.Exec("echo first; sleep 1; echo second", new ExecOptions
        {
            Timeout = TimeSpan.FromSeconds(10),
            OnOutput = (stream, utf8) =>
            {
                lock (received)
                {
                    received.Append(Encoding.UTF8.GetString(utf8));
                }

                firstChunk.TrySetResult(clock.Elapsed);
            },
        });

        // "first" arrived while the command was still sleeping: live, not at exit.
        Assert.True(await firstChunk.Task < TimeSpan.FromMilliseconds(900), $"first chunk after {await firstChunk.Task}");
        Assert.Equal("first\nsecond\n", received.ToString());
        Assert.Equal("first\nsecond\n", result.Stdout);
    }

    [Fact]
    public async Task ExecStream_YieldsChunksThenExitCode()
    {
        ExecStream stream = _sandbox.ExecStreamAsync("echo out; echo err >&2; exit 5");
        var chunks = new List<OutputChunk>();
        await foreach (OutputChunk chunk in stream)
        {
            chunks.Add(chunk);
        }

        Assert.Equal(5, stream.ExitCode);
        Assert.Contains(chunks, c => c is { Stream: OutputStream.Stdout, Text: "out\n" });
        Assert.Contains(chunks, c => c is { Stream: OutputStream.Stderr, Text: "err\n" });
    }

    [Fact]
    public async Task Exec_ShellBackgroundChild_DoesNotHoldTheResult()
    {
        var clock = Stopwatch.StartNew();
        ExecResult result = await _sandbox.Exec("sleep 20 & echo started", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });

        Assert.Equal("started\n", result.Stdout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        ExecResult ps = await _sandbox.Exec("pgrep -x sleep >/dev/null && echo running", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
        Assert.Equal("running\n", ps.Stdout);
    }

    [Fact]
    public async Task Exec_KilledBySignal_ReportsOneHundredTwentyEightPlusSignal()
    {
        ExecTask task = _sandbox.Exec("sleep 30", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        await Task.Delay(200);
        await _sandbox.KillAsync(task.ExecId, "SIGKILL");
        ExecResult result = await task;

        Assert.Equal(137, result.ExitCode);
    }

    [Fact]
    public async Task Exec_LargeOutput_ArrivesCompleteAndInOrder()
    {
        ExecResult result = await _sandbox.Exec("seq 1 200000", new ExecOptions { Timeout = TimeSpan.FromSeconds(30) });

        string expected = string.Concat(Enumerable.Range(1, 200000).Select(i => i + "\n"));
        Assert.Equal(expected.Length, result.Stdout.Length);
        Assert.Equal(expected, result.Stdout);
    }

    /// <summary>
    /// Megabytes of text that needs every kind of care: two-, three- and four-byte characters (the agent's 64 KiB reads
    /// cut some of them), controls, quotes and backslashes to escape, and a last character cut by <c>head -c</c>. The
    /// callback's bytes and the captured text are exactly the command's, with one U+FFFD for the cut character only.
    /// </summary>
    [Fact]
    public async Task Exec_LargeMixedUtf8Output_ArrivesExactly()
    {
        byte[] line = Encoding.UTF8.GetBytes("é€😀 \"q\" \\ \u0001\t\n");
        int length = (line.Length * 105_263) + 6; // about 2 MB, ending just after the first byte of 😀
        byte[] expected = new byte[length];
        for (int at = 0; at < length; at += line.Length)
        {
            line.AsSpan(0, Math.Min(line.Length, length - at)).CopyTo(expected.AsSpan(at));
        }

        Assert.Equal(0xF0, expected[^1]); // the stream ends inside the four-byte character
        var streamed = new MemoryStream();
        ExecResult result = await _sandbox.Exec($"yes 'é€😀 \"q\" \\ xy' | tr 'xy' '\\001\\t' | head -c {length}", new ExecOptions
        {
            Timeout = TimeSpan.FromSeconds(60),
            OnOutput = (_, utf8) => streamed.Write(utf8),
        });

        Assert.Equal(0, result.ExitCode);
        string text = new UTF8Encoding(false, false).GetString(expected);
        Assert.EndsWith("\uFFFD", text, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes(text), streamed.ToArray());
        Assert.Equal(text, result.Stdout);
    }

    [Fact]
    public async Task Exec_SlowConsumer_StillReceivesEveryByteWrittenBeforeExit()
    {
        // The command writes 3 MB at once and exits; the client reads slowly (the callback stalls the receive loop),
        // so most of it is still in the agent's pipes and windows when the process has already exited.
        long received = 0;
        ExecResult result = await _sandbox.Exec("head -c 3000000 /dev/zero | tr '\\0' a", new ExecOptions
        {
            Timeout = TimeSpan.FromSeconds(60),
            CaptureOutput = false,
            OnOutput = (_, utf8) =>
            {
                received += utf8.Length;
                Thread.Sleep(2);
            },
        });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(3_000_000, received);
    }

    private async Task<ExecResult> PollAsync(string command, string expected)
    {
        ExecResult last = null!;
        for (int attempt = 0; attempt < 50; attempt++)
        {
            last = await _sandbox.Exec(command, new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
            if (last.Stdout == expected)
            {
                break;
            }

            await Task.Delay(100);
        }

        return last;
    }
}

/// <summary>ExecEndToEndTests against the emulator that offers the protocol extensions.</summary>
[Collection(SdkEmulatorCollection.Name)]
public sealed class ExecEndToEndTestsExtended(SdkEmulatorFixture emulator) : ExecEndToEndTests(emulator);

/// <summary>ExecEndToEndTests against the strict-protocol emulator (the real service's paths: no extensions, 1 MiB frames).</summary>
[Collection(StrictSdkEmulatorCollection.Name)]
public sealed class ExecEndToEndTestsStrict(StrictSdkEmulatorFixture emulator) : ExecEndToEndTests(emulator);
