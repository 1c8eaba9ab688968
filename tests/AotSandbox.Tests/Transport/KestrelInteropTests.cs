using System.Buffers;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AotSandbox.Tests.Transport.Support;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Transport;

/// <summary>The client against ASP.NET Core's server-side WebSocket (Kestrel), over loopback.</summary>
public sealed class KestrelInteropTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(15));
    private KestrelWebSocketServer _server = null!;

    private CancellationToken Token => _timeout.Token;

    public async Task InitializeAsync() => _server = await KestrelWebSocketServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _timeout.Dispose();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(126)]
    [InlineData(70_000)]
    [InlineData(1024 * 1024)] // echoed in 64 KiB fragments: exercises reassembly
    public async Task Echo_TextRoundTrips(int length)
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(_server.At("/echo"), new WebSocketClientOptions(), Token);
        byte[] payload = Encoding.UTF8.GetBytes(new string('x', length));
        await client.SendTextAsync(payload, Token);
        TransportMessage echoed = await client.ReceiveAsync(Token);
        Assert.Equal(TransportMessageKind.Text, echoed.Kind);
        Assert.Equal(payload, echoed.Payload.ToArray());
        client.ReleaseMessage();
    }

    [Fact]
    public async Task Echo_MultiByteTextSplitAcrossFragments_RoundTrips()
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(_server.At("/echo"), new WebSocketClientOptions(), Token);

        // 3-byte characters: 64 KiB fragment boundaries fall inside them.
        byte[] payload = Encoding.UTF8.GetBytes(new string('€', 100_000));
        await client.SendTextAsync(payload, Token);
        TransportMessage echoed = await client.ReceiveAsync(Token);
        Assert.Equal(TransportMessageKind.Text, echoed.Kind);
        Assert.Equal(payload, echoed.Payload.ToArray());
    }

    [Fact]
    public async Task Echo_ManyMessagesInOrder()
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(_server.At("/echo"), new WebSocketClientOptions(), Token);
        for (int i = 0; i < 500; i++)
        {
            await client.SendTextAsync(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), Token);
        }

        for (int i = 0; i < 500; i++)
        {
            TransportMessage echoed = await client.ReceiveAsync(Token);
            Assert.Equal($"{{\"n\":{i}}}", Encoding.UTF8.GetString(echoed.Payload));
            client.ReleaseMessage();
        }
    }

    [Fact]
    public async Task KeepAlive_ServerPings_AreAnsweredWhileReceiving()
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(_server.At("/keepalive"), new WebSocketClientOptions(), Token);
        ValueTask<TransportMessage> pending = client.ReceiveAsync(Token);

        // ~25 server pings; without matching pongs the server aborts after 1.5 s and the receive would end with 1006.
        await Task.Delay(TimeSpan.FromSeconds(2.5), Token);
        await client.SendTextAsync("still here"u8.ToArray(), Token);
        TransportMessage echoed = await pending;
        Assert.Equal(TransportMessageKind.Text, echoed.Kind);
        Assert.Equal("still here", Encoding.UTF8.GetString(echoed.Payload));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4001)]
    [InlineData(4003)]
    [InlineData(4004)]
    public async Task Close_ClientInitiated_ServerSeesCode(int code)
    {
        IMessageTransport client = await WebSocketClient.ConnectAsync(_server.At("/echo"), new WebSocketClientOptions(), Token);
        await client.CloseAsync(code, "client done", Token);
        Assert.Equal((WebSocketCloseStatus)code, await _server.ClientClose.WaitAsync(Token));
        Assert.Equal(code, (await client.ReceiveAsync(Token)).CloseCode);
        await client.DisposeAsync();
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4001)]
    [InlineData(4003)]
    [InlineData(4004)]
    public async Task Close_ServerInitiated_ClientReportsCodeAndReason(int code)
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(_server.At($"/close/{code}"), new WebSocketClientOptions(), Token);
        TransportMessage closed = await client.ReceiveAsync(Token);
        Assert.Equal(TransportMessageKind.Closed, closed.Kind);
        Assert.Equal(code, closed.CloseCode);
        Assert.Equal("server says bye", closed.CloseReason);
    }

    [Fact]
    public async Task Connect_RefusedByServer_ReportsStatusAndBody()
    {
        WebSocketConnectException error = await Assert.ThrowsAsync<WebSocketConnectException>(
            async () => await WebSocketClient.ConnectAsync(_server.At("/refuse"), new WebSocketClientOptions(), Token));
        Assert.Equal(403, error.HttpStatusCode);
        Assert.Contains("HTTP 403", error.Message, StringComparison.Ordinal);
        Assert.Contains("sandbox is not yours", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>wss:// against Kestrel with a certificate made in the test.</summary>
public sealed class KestrelTlsInteropTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(15));
    private readonly X509Certificate2 _certificate = TestCertificates.CreateLoopbackServerCertificate();
    private KestrelWebSocketServer _server = null!;

    private CancellationToken Token => _timeout.Token;

    public async Task InitializeAsync() => _server = await KestrelWebSocketServer.StartAsync(_certificate);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificate.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Connect_UntrustedCertificate_FailsWithClearError()
    {
        WebSocketConnectException error = await Assert.ThrowsAsync<WebSocketConnectException>(
            async () => await WebSocketClient.ConnectAsync(_server.At("/echo"), new WebSocketClientOptions(), Token));
        Assert.Contains("TLS handshake", error.Message, StringComparison.Ordinal);
        Assert.Contains("TrustedCertificateAuthorities", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_CertificateTrustedAsExtraAuthority_Echoes()
    {
        using X509Certificate2 publicPart = TestCertificates.PublicPart(_certificate);
        var options = new WebSocketClientOptions { TrustedCertificateAuthorities = [publicPart] };
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(_server.At("/echo"), options, Token);
        await AssertEchoAsync(client);
    }

    [Fact]
    public async Task Connect_TrustedAuthorityButWrongHostName_StillFails()
    {
        // Trusting the CA must not waive the name check: "localhost" is not in the certificate (only 127.0.0.1 is).
        using X509Certificate2 publicPart = TestCertificates.PublicPart(_certificate);
        var options = new WebSocketClientOptions { TrustedCertificateAuthorities = [publicPart] };
        var uri = new Uri($"wss://localhost:{_server.BaseUri.Port}/echo");
        await Assert.ThrowsAsync<WebSocketConnectException>(async () => await WebSocketClient.ConnectAsync(uri, options, Token));
    }

    [Fact]
    public async Task Connect_SkipValidation_Echoes()
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(_server.At("/echo"), new WebSocketClientOptions { SkipCertificateValidation = true }, Token);
        await AssertEchoAsync(client);
    }

    [Fact]
    public async Task Echo_LargeMessageOverTls()
    {
        await using IMessageTransport client = await WebSocketClient.ConnectAsync(_server.At("/echo"), new WebSocketClientOptions { SkipCertificateValidation = true }, Token);
        byte[] payload = Encoding.UTF8.GetBytes(new string('z', 1024 * 1024));
        await client.SendTextAsync(payload, Token);
        Assert.Equal(payload, (await client.ReceiveAsync(Token)).Payload.ToArray());
    }

    private async Task AssertEchoAsync(IMessageTransport client)
    {
        await client.SendTextAsync("{\"type\":\"auth\"}"u8.ToArray(), Token);
        TransportMessage echoed = await client.ReceiveAsync(Token);
        Assert.Equal("{\"type\":\"auth\"}", Encoding.UTF8.GetString(echoed.Payload));
        await client.CloseAsync(1000, null, Token);
    }
}
