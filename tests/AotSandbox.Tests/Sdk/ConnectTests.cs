using AotSandbox.Tests.Sdk.Fakes;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Sdk;

/// <summary>Data-plane handshake (docs/PROTOCOL.md §3.2) and close-code mapping (§3.9).</summary>
public sealed class ConnectTests
{
    [Fact]
    public async Task Connect_SendsOnlyTheAuthFrame_AndAcceptsAuthOk()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Assert.True(sandbox.IsConnected);
        Assert.Single(transport.Sent);
        await sandbox.ConnectAsync(); // idempotent
        Assert.Single(transport.Sent);
    }

    [Fact]
    public async Task Connect_AuthOkWithoutSandboxId_IsAccepted()
    {
        var transport = new InMemoryTransport();
        transport.Enqueue("{\"type\":\"auth.ok\"}");
        Sandbox sandbox = TestSandbox.Create(transport);
        await sandbox.ConnectAsync();
        Assert.True(sandbox.IsConnected);
    }

    [Theory]
    [InlineData("{\"type\":\"auth.ok\",\"sandboxId\":\"\"}")]
    [InlineData("{\"type\":\"auth.ok\",\"sandboxId\":null}")]
    public async Task Connect_AuthOkWithEmptySandboxId_IsAccepted(string authOk)
    {
        // The service's own clients accept these (they only compare a non-empty id), so a service that sends them works.
        var transport = new InMemoryTransport();
        transport.Enqueue(authOk);
        Sandbox sandbox = TestSandbox.Create(transport);
        await sandbox.ConnectAsync();
        Assert.True(sandbox.IsConnected);
    }

    [Theory]
    [InlineData("{\"type\":\"auth.error\",\"message\":\"bad token\"}")]
    [InlineData("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-other\"}")]
    [InlineData("{\"type\":\"exec.output\",\"execId\":\"e\",\"data\":\"x\"}")]
    [InlineData("garbage")]
    public async Task Connect_FirstMessageNotAMatchingAuthOk_IsUnauthorized(string first)
    {
        var transport = new InMemoryTransport();
        transport.Enqueue(first);
        transport.Enqueue("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-test\"}");
        Sandbox sandbox = TestSandbox.Create(transport);
        var error = await Assert.ThrowsAsync<SandboxUnauthorizedException>(() => sandbox.ConnectAsync());
        Assert.Equal("Sandbox 'sb-test' rejected the WebSocket authentication token", error.Message);
        Assert.False(sandbox.IsConnected);
        Assert.True(transport.Disposed);
    }

    [Theory]
    [InlineData(4001, typeof(SandboxUnauthorizedException))]
    [InlineData(4003, typeof(ProtocolVersionMismatchException))]
    [InlineData(4004, typeof(SandboxMalformedFrameException))]
    [InlineData(1011, typeof(SandboxWebSocketException))]
    public async Task Connect_ClosedInsteadOfAuthOk_MapsTheCloseCode(int code, Type expected)
    {
        var transport = new InMemoryTransport();
        transport.ServerClose(code);
        Sandbox sandbox = TestSandbox.Create(transport);
        SandboxException error = (SandboxException)await Assert.ThrowsAsync(expected, () => sandbox.ConnectAsync());
        Assert.Equal(code, error.CloseCode);
    }

    [Theory]
    [InlineData(4001, typeof(SandboxUnauthorizedException), "Sandbox 'sb-test' rejected the WebSocket authentication token (close code 4001)")]
    [InlineData(4003, typeof(ProtocolVersionMismatchException), "Sandbox 'sb-test' WebSocket protocol version does not match this SDK")]
    [InlineData(4004, typeof(SandboxMalformedFrameException), "Sandbox 'sb-test' rejected a malformed WebSocket frame")]
    [InlineData(1006, typeof(SandboxWebSocketException), "Sandbox 'sb-test' WebSocket closed with code 1006")]
    [InlineData(1000, typeof(SandboxWebSocketException), "Sandbox 'sb-test' WebSocket closed with code 1000")]
    public async Task UnexpectedClose_FailsPendingWork_ThenCallsFailNotConnected(int code, Type expected, string message)
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask exec = sandbox.Exec("sleep 10");
        Task<string> read = sandbox.ReadFileAsync("a");
        await transport.NextSentAsync();
        await transport.NextSentAsync();
        transport.ServerClose(code);
        Exception error = await Assert.ThrowsAsync(expected, async () => await exec);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(code, ((SandboxException)error).CloseCode);
        if (expected == typeof(SandboxWebSocketException))
        {
            // A lost foreground command says what happened to it and what to do (docs/PROTOCOL.md §3.11).
            Assert.Contains($"Command 'sleep 10' ({exec.ExecId}) was running in the foreground", error.Message, StringComparison.Ordinal);
            Assert.Contains("StartDetachedAsync", error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(message, error.Message);
        }

        Exception readError = await Assert.ThrowsAsync(expected, () => read);
        Assert.Equal(message, readError.Message);

        await WaitUntil(() => !sandbox.IsConnected);
        var notConnected = Assert.Throws<SandboxWebSocketException>(() => sandbox.Exec("ls"));
        Assert.Equal("Sandbox 'sb-test' is not connected", notConnected.Message);
        await Assert.ThrowsAsync<SandboxWebSocketException>(() => sandbox.ListFilesAsync("."));
    }

    [Fact]
    public async Task NotConnected_ExecThrowsSynchronously()
    {
        Sandbox sandbox = TestSandbox.Create(new InMemoryTransport());
        var error = Assert.Throws<SandboxWebSocketException>(() => sandbox.Exec("ls"));
        Assert.Equal("Sandbox 'sb-test' is not connected", error.Message);
    }

    [Fact]
    public async Task Connect_NoAuthAcknowledgement_TimesOut()
    {
        var transport = new InMemoryTransport();
        Sandbox sandbox = TestSandbox.Create(transport, configure: o => o.ConnectTimeout = TimeSpan.FromMilliseconds(100));
        var error = await Assert.ThrowsAsync<SandboxWebSocketException>(() => sandbox.ConnectAsync());
        Assert.Contains("no authentication acknowledgement", error.Message);
        Assert.True(transport.Disposed);
    }

    [Fact]
    public async Task Connect_WithoutToken_FailsWithWebSocketError()
    {
        Sandbox sandbox = TestSandbox.Create(new InMemoryTransport(), token: null);
        await Assert.ThrowsAsync<SandboxWebSocketException>(() => sandbox.ConnectAsync());
    }

    [Fact]
    public async Task Connect_ConcurrentCallers_ShareOneAttempt()
    {
        int opened = 0;
        var gate = new TaskCompletionSource();
        var transport = new InMemoryTransport();
        transport.Enqueue("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-test\"}");
        var options = new SandboxConnectionOptions
        {
            ApiHost = "http://127.0.0.1:1",
            Namespace = "ns",
            ApiKey = "k",
            TransportFactory = async (_, _, _) =>
            {
                Interlocked.Increment(ref opened);
                await gate.Task;
                return transport;
            },
        };
        var response = System.Text.Json.JsonSerializer.Deserialize("{\"sandboxId\":\"sb-test\",\"token\":\"t\"}", AotSandbox.Rest.RestJsonContext.Default.SandboxResponse)!;
        Sandbox sandbox = Sandbox.FromResponse(options, SandboxCredentials.Resolve(options), response, "sb-test", "t");
        Task a = sandbox.ConnectAsync();
        Task b = sandbox.ConnectAsync();
        gate.SetResult();
        await Task.WhenAll(a, b);
        Assert.Equal(1, opened);
        Assert.Equal("ws://127.0.0.1:1/api/v1/namespaces/ns/sandboxes/sb-test/exec", sandbox.WebSocketEndpoint);
    }

    [Fact]
    public async Task Connect_TransportFailure_IsWebSocketError()
    {
        var options = new SandboxConnectionOptions
        {
            ApiHost = "http://127.0.0.1:1",
            Namespace = "ns",
            ApiKey = "k",
            TransportFactory = (_, _, _) => ValueTask.FromException<IMessageTransport>(new IOException("refused")),
        };
        var response = System.Text.Json.JsonSerializer.Deserialize("{\"sandboxId\":\"sb-test\",\"token\":\"t\"}", AotSandbox.Rest.RestJsonContext.Default.SandboxResponse)!;
        Sandbox sandbox = Sandbox.FromResponse(options, SandboxCredentials.Resolve(options), response, "sb-test", "t");
        var error = await Assert.ThrowsAsync<SandboxWebSocketException>(() => sandbox.ConnectAsync());
        Assert.Equal("Could not connect sandbox 'sb-test': refused", error.Message);
    }

    [Fact]
    public async Task Dispose_ClosesWithoutDestroying_AndFailsPendingWork()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask exec = sandbox.Exec("sleep 10");
        await transport.NextSentAsync();
        await sandbox.DisposeAsync();
        Assert.Equal(1000, transport.CloseRequestedCode);
        await Assert.ThrowsAsync<SandboxWebSocketException>(async () => await exec);
        Assert.False(sandbox.IsConnected);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
