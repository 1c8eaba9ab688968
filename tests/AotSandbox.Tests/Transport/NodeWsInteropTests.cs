using System.Buffers;
using System.Text;
using AotSandbox.Tests.Transport.Support;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Transport;

/// <summary>The client against Node's `ws` server (interop/node/server.js), over loopback.</summary>
public sealed class NodeWsInteropTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(15));
    private NodeWsServer? _server;

    private CancellationToken Token => _timeout.Token;

    private NodeWsServer Server => _server ??= NodeWsServer.Start(StartTimeout);

    public void Dispose()
    {
        _server?.Dispose();
        _timeout.Dispose();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(65_536)]
    [InlineData(1024 * 1024)] // sent back in 64 KiB fragments
    public async Task Echo_TextRoundTrips(int length)
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(Server.Uri, new WebSocketClientOptions(), Token);
        byte[] payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("ö€🙂x", (length / 10) + 1)))[..length];
        payload = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(payload).TrimEnd('\uFFFD')); // keep it valid UTF-8
        await client.SendTextAsync(payload, Token);
        TransportMessage echoed = await client.ReceiveAsync(Token);
        Assert.Equal(TransportMessageKind.Text, echoed.Kind);
        Assert.Equal(payload, echoed.Payload.ToArray());
    }

    [Fact]
    public async Task Ping_FromServer_AnsweredWithSamePayload()
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(Server.Uri, new WebSocketClientOptions(), Token);
        await client.SendTextAsync("ping:héllo"u8.ToArray(), Token);
        TransportMessage report = await client.ReceiveAsync(Token);
        Assert.Equal("pong:héllo", Encoding.UTF8.GetString(report.Payload));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4001)]
    [InlineData(4003)]
    [InlineData(4004)]
    public async Task Close_ServerInitiated_ClientReportsCode(int code)
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(Server.Uri, new WebSocketClientOptions(), Token);
        await client.SendTextAsync(Encoding.UTF8.GetBytes($"close:{code}"), Token);
        TransportMessage closed = await client.ReceiveAsync(Token);
        Assert.Equal(TransportMessageKind.Closed, closed.Kind);
        Assert.Equal(code, closed.CloseCode);
        Assert.Equal("bye from ws", closed.CloseReason);
        Assert.Equal($"closed {code}", Server.NextLine(StartTimeout));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4001)]
    [InlineData(4004)]
    public async Task Close_ClientInitiated_ServerSeesCode(int code)
    {
        IMessageTransport client = await WebSocketClient.ConnectAsync(Server.Uri, new WebSocketClientOptions(), Token);
        await client.CloseAsync(code, "client done", Token);
        Assert.Equal($"closed {code}", Server.NextLine(StartTimeout));
        Assert.Equal(code, (await client.ReceiveAsync(Token)).CloseCode);
        await client.DisposeAsync();
    }
}
