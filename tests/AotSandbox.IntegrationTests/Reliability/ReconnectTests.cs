using System.Text;
using AotSandbox.IntegrationTests.Sdk;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>
/// Reconnection against the real emulator (docs/PROTOCOL.md §3.11): the connection is reset by DroppableProxy while a
/// detached command prints numbered lines; after <see cref="Sandbox.ReconnectAsync"/> (or on its own with
/// AutoReconnect) the same handle's output is complete and has no line twice, and a foreground command in flight fails
/// with the error that explains it.
/// </summary>
[Collection(SdkEmulatorCollection.Name)]
public sealed class ReconnectTests(SdkEmulatorFixture emulator)
{
    private const int Lines = 600;

    // ~3 s of output, so the drop and the reconnect fall in its middle.
    private const string Producer = "for i in $(seq 1 600); do echo line-$i; echo err-$i >&2; sleep 0.005; done";

    private static string Expected(string prefix) => string.Concat(Enumerable.Range(1, Lines).Select(i => $"{prefix}-{i}\n"));

    [Fact]
    public async Task ManualReconnect_ResumesDetachedOutput_NothingLostNothingTwice_ForegroundFailsClearly()
    {
        Sandbox direct = await Sandbox.CreateAsync(emulator.Create("reconnect-manual"));
        await using var proxy = new DroppableProxy(new Uri(emulator.Server.ApiHost));
        try
        {
            SandboxConnectionOptions viaProxy = emulator.Connection();
            viaProxy.ApiHost = proxy.BaseUrl;
            Sandbox flaky = await Sandbox.AttachAsync(direct.Id, direct.SessionToken!, viaProxy);
            Assert.Contains(SandboxExtensionNames.ExecReplay, flaky.Extensions);

            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            DetachedCommand producer = await flaky.StartDetachedAsync(Producer, new DetachedExecOptions
            {
                OnOutput = (stream, utf8) => { lock (stdout) { (stream == OutputStream.Stdout ? stdout : stderr).Append(Encoding.UTF8.GetString(utf8)); } },
            });
            ExecTask foreground = flaky.Exec("sleep 30", new ExecOptions { Timeout = TimeSpan.FromSeconds(60) });
            await WaitForAsync(() => { lock (stdout) { return stdout.Length > 0; } });
            await Task.Delay(500);
            proxy.DropAll();

            SandboxWebSocketException lost = await Assert.ThrowsAsync<SandboxWebSocketException>(async () => await foreground.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Contains("was running in the foreground", lost.Message, StringComparison.Ordinal);
            Assert.Contains("StartDetachedAsync", lost.Message, StringComparison.Ordinal);
            await Assert.ThrowsAnyAsync<SandboxException>(() => producer.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            int before;
            lock (stdout)
            {
                before = stdout.Length;
            }

            Assert.True(before < Expected("line").Length, "the producer finished before the drop: the test proves nothing");
            await Task.Delay(700); // output printed while disconnected must come back through the replay

            await flaky.ReconnectAsync();
            Assert.True(flaky.IsConnected);
            CommandExit exit = await producer.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, exit.ExitCode);
            lock (stdout)
            {
                Assert.Equal(Expected("line"), stdout.ToString());
                Assert.Equal(Expected("err"), stderr.ToString());
            }

            Assert.True(proxy.Accepted >= 2, $"{proxy.Accepted} connection(s) through the proxy: the reconnect did not go through it");
            await flaky.DisposeAsync();
        }
        finally
        {
            await direct.DestroyAsync();
        }
    }

    [Fact]
    public async Task AutoReconnect_ResumesDetachedOutput_WithoutTheCaller_NothingLostNothingTwice()
    {
        Sandbox direct = await Sandbox.CreateAsync(emulator.Create("reconnect-auto"));
        await using var proxy = new DroppableProxy(new Uri(emulator.Server.ApiHost));
        try
        {
            SandboxConnectionOptions viaProxy = emulator.Connection();
            viaProxy.ApiHost = proxy.BaseUrl;
            viaProxy.AutoReconnect = true;
            Sandbox flaky = await Sandbox.AttachAsync(direct.Id, direct.SessionToken!, viaProxy);

            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            DetachedCommand producer = await flaky.StartDetachedAsync(Producer, new DetachedExecOptions
            {
                OnOutput = (stream, utf8) => { lock (stdout) { (stream == OutputStream.Stdout ? stdout : stderr).Append(Encoding.UTF8.GetString(utf8)); } },
            });
            Task<CommandExit> wait = producer.WaitAsync();
            await WaitForAsync(() => { lock (stdout) { return stdout.Length > 0; } });
            await Task.Delay(500);
            proxy.DropAll();
            await Task.Delay(100);

            // Twice: a second drop while resumed must be survived as well.
            await WaitForAsync(() => flaky.IsConnected && proxy.Accepted >= 2);
            await Task.Delay(300);
            Assert.False(wait.IsCompleted && !wait.IsCompletedSuccessfully, "the wait failed although AutoReconnect is on");
            proxy.DropAll();

            CommandExit exit = await wait.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, exit.ExitCode);
            lock (stdout)
            {
                Assert.Equal(Expected("line"), stdout.ToString());
                Assert.Equal(Expected("err"), stderr.ToString());
            }

            Assert.True(proxy.Accepted >= 3, $"{proxy.Accepted} connection(s) through the proxy: expected two reconnects");
            await flaky.DisposeAsync();
        }
        finally
        {
            await direct.DestroyAsync();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
