using System.Buffers;
using System.Text;
using AotSandbox.Protocol.WebSocket;
using AotSandbox.Tests.Transport.Support;

namespace AotSandbox.Tests.Transport;

public class WebSocketHandshakeTests
{
    private static readonly byte[] SampleKey = "dGhlIHNhbXBsZSBub25jZQ=="u8.ToArray();
    private const string SampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; // RFC 6455 §1.3

    [Fact]
    public void ComputeAccept_MatchesRfcExample()
    {
        var accept = new byte[WebSocketHandshakeRequest.AcceptLength];
        WebSocketHandshakeRequest.ComputeAccept(SampleKey, accept);
        Assert.Equal(SampleAccept, Encoding.ASCII.GetString(accept));
    }

    [Fact]
    public void CreateKey_Is16RandomBytesInBase64()
    {
        var first = new byte[24];
        var second = new byte[24];
        WebSocketHandshakeRequest.CreateKey(first);
        WebSocketHandshakeRequest.CreateKey(second);
        Assert.Equal(16, Convert.FromBase64String(Encoding.ASCII.GetString(first)).Length);
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("ws://example.com/api/v1/x/exec", "GET /api/v1/x/exec HTTP/1.1", "Host: example.com")]
    [InlineData("ws://example.com:80/a", "GET /a HTTP/1.1", "Host: example.com")]
    [InlineData("wss://example.com:443/a", "GET /a HTTP/1.1", "Host: example.com")]
    [InlineData("ws://127.0.0.1:8080/a", "GET /a HTTP/1.1", "Host: 127.0.0.1:8080")]
    [InlineData("wss://example.com:8443/", "GET / HTTP/1.1", "Host: example.com:8443")]
    [InlineData("ws://[::1]:9000/a", "GET /a HTTP/1.1", "Host: [::1]:9000")]
    public void Build_RequestLineAndHost(string uri, string requestLine, string host)
    {
        string request = Encoding.ASCII.GetString(WebSocketHandshakeRequest.Build(new Uri(uri), SampleKey));
        string[] lines = request.Split("\r\n");
        Assert.Equal(requestLine, lines[0]);
        Assert.Equal(host, lines[1]);
        Assert.Contains("Upgrade: websocket", lines);
        Assert.Contains("Connection: Upgrade", lines);
        Assert.Contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", lines);
        Assert.Contains("Sec-WebSocket-Version: 13", lines);
        Assert.EndsWith("\r\n\r\n", request);
        Assert.DoesNotContain("Authorization", request, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Sec-WebSocket-Protocol", request, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Sec-WebSocket-Extensions", request, StringComparison.OrdinalIgnoreCase);
    }

    private static string Response101(string extra = "", string accept = SampleAccept)
        => $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n{extra}\r\n";

    [Fact]
    public void TryParse_EverySplitAndPrefix_LeavesFrameBytesUnconsumed()
    {
        byte[] head = Encoding.ASCII.GetBytes(Response101());
        byte[] input = [.. head, 0x81, 0x02, (byte)'h', (byte)'i'];
        byte[] accept = Encoding.ASCII.GetBytes(SampleAccept);
        for (int i = 0; i < head.Length; i++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, Parse(new ReadOnlySequence<byte>(input, 0, i), accept, out _, out long none));
            Assert.Equal(0, none);
        }

        for (int split = 0; split <= input.Length; split++)
        {
            Assert.Equal(OperationStatus.Done, Parse(TestSequences.Split(input, split), accept, out WebSocketHandshakeResponse response, out long consumed));
            Assert.Equal(new WebSocketHandshakeResponse(101, WebSocketHandshakeError.None, -1), response);
            Assert.Equal(head.Length, consumed);
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, UPGRADE\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", (int)WebSocketHandshakeError.None)]
    [InlineData("HTTP/1.1 101\r\nUpgrade:websocket\r\nConnection:\tUpgrade \r\nSec-WebSocket-Accept:s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions:\r\n\r\n", (int)WebSocketHandshakeError.None)]
    [InlineData("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", (int)WebSocketHandshakeError.MissingUpgrade)]
    [InlineData("HTTP/1.1 101 OK\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", (int)WebSocketHandshakeError.MissingUpgrade)]
    [InlineData("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", (int)WebSocketHandshakeError.MissingConnectionUpgrade)]
    [InlineData("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", (int)WebSocketHandshakeError.InvalidAccept)]
    [InlineData("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: S3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", (int)WebSocketHandshakeError.InvalidAccept)]
    [InlineData("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n", (int)WebSocketHandshakeError.UnexpectedExtension)]
    [InlineData("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n", (int)WebSocketHandshakeError.UnexpectedSubprotocol)]
    [InlineData("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n", (int)WebSocketHandshakeError.UnexpectedStatus)]
    public void TryParse_CompleteHead_Judged(string head, int expected)
    {
        Assert.Equal(OperationStatus.Done, Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)), Encoding.ASCII.GetBytes(SampleAccept), out WebSocketHandshakeResponse response, out _));
        Assert.Equal((WebSocketHandshakeError)expected, response.Error);
    }

    [Fact]
    public void TryParse_Refusal_ReportsStatusAndContentLength()
    {
        Parse(new ReadOnlySequence<byte>("HTTP/1.1 403 Forbidden\r\nContent-Length: 12\r\n\r\nno such user"u8.ToArray()), Encoding.ASCII.GetBytes(SampleAccept), out WebSocketHandshakeResponse response, out long consumed);
        Assert.Equal(new WebSocketHandshakeResponse(403, WebSocketHandshakeError.UnexpectedStatus, 12), response);
        Assert.Equal("HTTP/1.1 403 Forbidden\r\nContent-Length: 12\r\n\r\n".Length, consumed);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n")]
    [InlineData("HTTP/1.1 1O1 Switching\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\nno colon here\r\n\r\n")]
    public void TryParse_Malformed_InvalidData(string head)
    {
        Assert.Equal(OperationStatus.InvalidData, Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)), Encoding.ASCII.GetBytes(SampleAccept), out WebSocketHandshakeResponse response, out _));
        Assert.Equal(WebSocketHandshakeError.MalformedResponse, response.Error);
    }

    [Fact]
    public void TryParse_HeadOverLimit_InvalidDataEvenWithoutTerminator()
    {
        byte[] huge = Encoding.ASCII.GetBytes("HTTP/1.1 101 OK\r\nX-Filler: " + new string('a', 17000));
        Assert.Equal(OperationStatus.InvalidData, Parse(new ReadOnlySequence<byte>(huge), Encoding.ASCII.GetBytes(SampleAccept), out WebSocketHandshakeResponse response, out _));
        Assert.Equal(WebSocketHandshakeError.HeaderTooLarge, response.Error);

        byte[] complete = [.. huge, .. "\r\n\r\n"u8];
        Assert.Equal(OperationStatus.InvalidData, Parse(new ReadOnlySequence<byte>(complete), Encoding.ASCII.GetBytes(SampleAccept), out response, out _));
        Assert.Equal(WebSocketHandshakeError.HeaderTooLarge, response.Error);
    }

    private static OperationStatus Parse(ReadOnlySequence<byte> input, byte[] accept, out WebSocketHandshakeResponse response, out long consumed)
        => WebSocketHandshakeParser.TryParse(input, accept, WebSocketHandshakeParser.DefaultMaxHeaderBytes, out response, out consumed);
}
