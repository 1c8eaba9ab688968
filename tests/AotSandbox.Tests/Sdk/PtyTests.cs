using AotSandbox.Tests.Sdk.Fakes;

namespace AotSandbox.Tests.Sdk;

/// <summary>The exec.pty extension in the SDK (docs/PROTOCOL.md §4.5): only when advertised, exact frames, raw bytes out.</summary>
public sealed class PtyTests
{
    [Fact]
    public async Task StartPty_WithoutTheExtension_ThrowsNotSupported_AndSendsNothing()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync(["exec.replay"]);
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => sandbox.StartPtyAsync("bash", 24, 80, _ => { }));
        Assert.Contains("exec.pty", error.Message, StringComparison.Ordinal);
        Assert.Single(transport.Sent); // only the auth frame
    }

    [Fact]
    public async Task StartPty_SendsTheSize_DeliversBase64OutputAsRawBytes_ResizesAndReturnsTheExitCode()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync([SandboxExtensionNames.ExecPty]);
        var received = new List<byte>();
        PtyCommand pty = await sandbox.StartPtyAsync("bash", 40, 120, data => received.AddRange(data.ToArray()));
        string run = await transport.NextSentAsync();
        Assert.Equal($"{{\"type\":\"exec.run\",\"execId\":\"{pty.ExecId}\",\"command\":\"bash\",\"pty\":{{\"rows\":40,\"cols\":120}}}}", run);

        await pty.ResizeAsync(30, 100);
        Assert.Equal($"{{\"type\":\"exec.resize\",\"execId\":\"{pty.ExecId}\",\"rows\":30,\"cols\":100}}", await transport.NextSentAsync());
        await pty.WriteAsync(new byte[] { 0x03 });
        Assert.Equal($"{{\"type\":\"exec.input\",\"execId\":\"{pty.ExecId}\",\"data\":\"Aw==\",\"encoding\":\"base64\"}}", await transport.NextSentAsync());

        byte[] raw = [0x1b, (byte)'[', (byte)'H', 0xff, 0xc3];
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{pty.ExecId}\",\"stream\":\"stdout\",\"data\":\"{Convert.ToBase64String(raw)}\",\"encoding\":\"base64\"}}");
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{pty.ExecId}\",\"data\":\"not base64!\",\"encoding\":\"base64\"}}");
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{pty.ExecId}\",\"exitCode\":3}}");

        Assert.Equal(3, await pty.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(raw, received.ToArray()); // the malformed frame was dropped, not delivered as text
    }

    [Fact]
    public async Task StartPty_RefusedByTheServer_FailsTheWait()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync([SandboxExtensionNames.ExecPty]);
        PtyCommand pty = await sandbox.StartPtyAsync("bash", 24, 80, _ => { });
        await transport.NextSentAsync();
        transport.Enqueue($"{{\"type\":\"error\",\"execId\":\"{pty.ExecId}\",\"code\":\"UNSUPPORTED\",\"message\":\"no terminals\"}}");
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => pty.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("UNSUPPORTED", error.ErrorCode);
    }

    [Theory]
    [InlineData(0, 80)]
    [InlineData(24, 0)]
    [InlineData(1001, 80)]
    [InlineData(24, 1001)]
    public async Task StartPty_OutOfRangeSizes_AreRefusedLocally(int rows, int cols)
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync([SandboxExtensionNames.ExecPty]);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => sandbox.StartPtyAsync("bash", rows, cols, _ => { }));
        Assert.Single(transport.Sent); // only the auth frame
    }
}
