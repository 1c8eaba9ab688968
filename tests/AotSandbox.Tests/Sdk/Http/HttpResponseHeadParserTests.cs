using System.Buffers;
using System.Text;
using AotSandbox.Rest.Http;

namespace AotSandbox.Tests.Sdk.Http;

/// <summary>The control-plane client's response-head parser: framing decisions a hostile or sloppy server must not subvert.</summary>
public sealed class HttpResponseHeadParserTests
{
    private static (OperationStatus Status, HttpResponseHead Head, int Consumed) Parse(string text, int max = HttpResponseHeadParser.DefaultMaxHeadBytes)
    {
        OperationStatus status = HttpResponseHeadParser.TryParse(Encoding.Latin1.GetBytes(text), max, out HttpResponseHead head, out int consumed);
        return (status, head, consumed);
    }

    [Fact]
    public void ContentLength_KeepAlive_AndConsumedStopsAtTheBlankLine()
    {
        var (status, head, consumed) = Parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}");
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal((200, 2L, false, true), (head.StatusCode, head.ContentLength, head.Chunked, head.KeepAlive));
        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n".Length, consumed);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nconnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", true)]
    public void KeepAlive_OnlyForHttp11WithoutConnectionClose(string text, bool keepAlive)
    {
        var (status, head, _) = Parse(text);
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Fact]
    public void Chunked_IsRecognised_CaseInsensitively()
    {
        var (_, head, _) = Parse("HTTP/1.1 404 Not Found\r\ntransfer-encoding:   Chunked \r\n\r\n");
        Assert.Equal((404, true, -1L, false), (head.StatusCode, head.Chunked, head.ContentLength, head.ReadsToClose));
    }

    [Fact]
    public void NoLength_ReadsToClose_ButNoBodyStatusesDoNot()
    {
        Assert.True(Parse("HTTP/1.1 200 OK\r\n\r\n").Head.ReadsToClose);
        Assert.False(Parse("HTTP/1.1 304 Not Modified\r\n\r\n").Head.ReadsToClose);
        Assert.True(Parse("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n").Head.HasNoBody);
    }

    [Fact]
    public void Location_IsKeptForTheRedirectMessage()
        => Assert.Equal("https://elsewhere.example/api", Parse("HTTP/1.1 301 Moved\r\nLocation: https://elsewhere.example/api\r\nContent-Length: 0\r\n\r\n").Head.Location);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", nameof(HttpHeadError.AmbiguousLength))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", nameof(HttpHeadError.AmbiguousLength))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", nameof(HttpHeadError.AmbiguousLength))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n", nameof(HttpHeadError.AmbiguousLength))]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", nameof(HttpHeadError.UnsupportedEncoding))]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", nameof(HttpHeadError.UnsupportedEncoding))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\n", nameof(HttpHeadError.UnsupportedEncoding))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n", nameof(HttpHeadError.Malformed))]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", nameof(HttpHeadError.Malformed))]
    [InlineData("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", nameof(HttpHeadError.Malformed))]
    [InlineData("HTTP/2 200\r\n\r\n", nameof(HttpHeadError.Malformed))]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n", nameof(HttpHeadError.Malformed))]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n", nameof(HttpHeadError.Malformed))]
    [InlineData("HTTP/1.1 200OK\r\n\r\n", nameof(HttpHeadError.Malformed))]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n", nameof(HttpHeadError.Malformed))]
    public void DangerousOrMalformedHeads_AreRefused(string text, string expected)
    {
        var (status, head, consumed) = Parse(text);
        Assert.Equal(OperationStatus.InvalidData, status);
        Assert.Equal(expected, head.Error.ToString());
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void HeadBeyondTheLimit_IsRefused_WithOrWithoutItsBlankLine()
    {
        string big = "HTTP/1.1 200 OK\r\nX: " + new string('a', 200) + "\r\n";
        Assert.Equal(HttpHeadError.HeaderTooLarge, Parse(big, max: 128).Head.Error);
        Assert.Equal(HttpHeadError.HeaderTooLarge, Parse(big + "\r\n", max: 128).Head.Error);
        Assert.Equal(OperationStatus.NeedMoreData, Parse(big, max: 1024).Status);
    }

    [Fact]
    public void EveryPrefixOfAValidHead_NeedsMoreData()
    {
        const string text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
        for (int i = 0; i < text.Length; i++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, Parse(text[..i]).Status);
        }
    }
}
