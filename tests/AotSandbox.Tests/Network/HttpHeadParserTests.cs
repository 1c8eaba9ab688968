using System.Text;
using AotSandbox.Emulator.Network;

namespace AotSandbox.Tests.Network;

/// <summary>Battery L4, L5, L6 at the parser/check level (the integration tests assert nothing reached upstream).</summary>
public class HttpHeadParserTests
{
    private static HttpParseStatus Parse(string text, out HttpHead? head) =>
        HttpHeadParser.ParseRequest(Encoding.Latin1.GetBytes(text), out head, out _);

    [Fact]
    public void Parse_Valid_FieldsAndLength()
    {
        const string text = "POST /repos/a HTTP/1.1\r\nHost: api.test\r\nContent-Length: 3\r\n\r\nabc";
        Assert.Equal(HttpParseStatus.Complete, Parse(text, out HttpHead? head));
        Assert.Equal("POST", head!.Method);
        Assert.Equal("/repos/a", head.Target);
        Assert.Equal(3, head.ContentLength);
        Assert.Equal(text.Length - 3, head.Length);
    }

    [Fact]
    public void Parse_Partial_Incomplete()
    {
        Assert.Equal(HttpParseStatus.Incomplete, Parse("GET / HTTP/1.1\r\nHost: a", out _));
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a.test\r\nX-A: 1\r\n folded\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\nHost: a.test\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a.test\nX: y\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost : a.test\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\0.test\r\n\r\n")]
    [InlineData("GET / HTTP/2.0\r\nHost: a.test\r\n\r\n")]
    [InlineData("GET  / HTTP/1.1\r\nHost: a.test\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1,1\r\n\r\n")]
    public void Parse_AmbiguousFraming_Invalid(string text)
    {
        Assert.Equal(HttpParseStatus.Invalid, Parse(text, out _));
    }

    private static readonly HttpRule[] Rules = [new(["GET"], PathGlob.TryParse("/repos/**", out _)!)];

    [Theory]
    [InlineData("GET /repos/a/b HTTP/1.1\r\nHost: api.test\r\n\r\n", null)]
    [InlineData("GET /repos/a/b HTTP/1.1\r\nHost: API.test.:443\r\n\r\n", null)]
    [InlineData("POST /repos/a HTTP/1.1\r\nHost: api.test\r\nContent-Length: 0\r\n\r\n", 403)]
    [InlineData("GET /admin HTTP/1.1\r\nHost: api.test\r\n\r\n", 403)]
    [InlineData("DELETE /repos/a HTTP/1.1\r\nHost: api.test\r\n\r\n", 403)]
    [InlineData("GET /repos/a HTTP/1.1\r\nHost: denied.test\r\n\r\n", 421)]
    [InlineData("GET /repos/a HTTP/1.1\r\nHost: api.test:8443\r\n\r\n", 421)]
    [InlineData("GET /repos/a HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET /repos/a HTTP/1.1\r\nHost: api.test\r\nHost: api.test\r\n\r\n", 400)]
    [InlineData("GET http://denied.test/repos/a HTTP/1.1\r\nHost: api.test\r\n\r\n", 400)]
    [InlineData("GET /repos/../admin HTTP/1.1\r\nHost: api.test\r\n\r\n", 400)]
    [InlineData("TRACE /repos/a HTTP/1.1\r\nHost: api.test\r\n\r\n", 405)]
    [InlineData("TRACK /repos/a HTTP/1.1\r\nHost: api.test\r\n\r\n", 405)]
    [InlineData("CONNECT denied.test:443 HTTP/1.1\r\nHost: api.test\r\n\r\n", 405)]
    [InlineData("GET /repos/a HTTP/1.1\r\nHost: api.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 403)]
    [InlineData("GET /repos/a HTTP/1.1\r\nHost: api.test\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n", 403)]
    [InlineData("GET /repos/a HTTP/1.1\r\nHost: api.test\r\nContent-Length: 5\r\n\r\n", 400)]
    public void Check_Request_Verdict(string text, int? expectedStatus)
    {
        Assert.Equal(HttpParseStatus.Complete, Parse(text, out HttpHead? head));
        var verdict = HttpRequestCheck.Check(head!, "api.test", 443, Rules);
        Assert.Equal(expectedStatus, verdict?.Status);
    }

    [Fact]
    public void Sniffer_ClassifiesHttpTlsRaw()
    {
        Assert.Equal(SniffedKind.Http, ConnectionSniffer.Classify("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"u8)!.Value.Kind);
        Assert.Equal(SniffedKind.Raw, ConnectionSniffer.Classify("SSH-2.0-OpenSSH_9.2\r\n"u8)!.Value.Kind);
        Assert.Null(ConnectionSniffer.Classify("GET / HTTP/1.1\r\nHo"u8));
        Assert.Equal(SniffedKind.Invalid, ConnectionSniffer.Classify("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"u8)!.Value.Kind);
    }
}
