using System.Text;
using AotSandbox.Emulator.DataPlane;

namespace AotSandbox.Tests.Emulator;

public sealed class ClientFrameParserTests
{
    private static ClientFrame? Parse(string json) => ClientFrameParser.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Parse_ExecRunDetached_ReadsAllFields()
    {
        ClientFrame frame = Parse("{\"type\":\"exec.run\",\"execId\":\"exec-1\",\"command\":\"npm run dev\",\"detached\":true}")!;
        Assert.Equal(ClientFrameType.ExecRun, frame.Type);
        Assert.Equal("exec-1", frame.ExecId);
        Assert.Equal("npm run dev", frame.Command);
        Assert.True(frame.Detached);
        Assert.Null(frame.InvalidField);
    }

    [Fact]
    public void Parse_ExecRunWithPty_ReadsTheTerminalSize_SkippingUnknownMembers()
    {
        ClientFrame frame = Parse("{\"type\":\"exec.run\",\"execId\":\"e\",\"command\":\"bash\",\"pty\":{\"term\":{\"x\":[1]},\"rows\":40,\"cols\":120}}")!;
        Assert.True(frame.PtyRequested);
        Assert.Equal(40, frame.Rows);
        Assert.Equal(120, frame.Cols);
        Assert.Null(frame.InvalidField);
        Assert.False(Parse("{\"type\":\"exec.run\",\"execId\":\"e\",\"command\":\"bash\",\"pty\":null}")!.PtyRequested);
        Assert.False(Parse("{\"type\":\"exec.run\",\"execId\":\"e\",\"command\":\"bash\"}")!.PtyRequested);
    }

    [Theory]
    [InlineData("\"pty\":true")]
    [InlineData("\"pty\":[24,80]")]
    [InlineData("\"pty\":{\"rows\":\"24\",\"cols\":80}")]
    [InlineData("\"pty\":{\"rows\":24,\"cols\":1.5}")]
    [InlineData("\"pty\":{\"rows\":24,\"cols\":{\"n\":80}}")]
    public void Parse_MalformedPty_IsAnInvalidFieldNotAClose(string pty)
    {
        ClientFrame frame = Parse("{\"type\":\"exec.run\",\"execId\":\"e\"," + pty + ",\"command\":\"bash\"}")!;
        Assert.Equal("pty", frame.InvalidField);
        Assert.True(frame.PtyRequested);
        Assert.Equal("bash", frame.Command); // the fields after it are still read: the reader stayed in step
    }

    [Fact]
    public void Parse_ExecResize_ReadsRowsAndCols()
    {
        ClientFrame frame = Parse("{\"type\":\"exec.resize\",\"execId\":\"e\",\"rows\":30,\"cols\":100}")!;
        Assert.Equal(ClientFrameType.ExecResize, frame.Type);
        Assert.Equal(30, frame.Rows);
        Assert.Equal(100, frame.Cols);
        Assert.Equal("rows", Parse("{\"type\":\"exec.resize\",\"execId\":\"e\",\"rows\":\"30\",\"cols\":100}")!.InvalidField);
    }

    [Fact]
    public void Parse_AuthFrame_ReadsToken() =>
        Assert.Equal("tok", Parse("{\"type\":\"auth\",\"token\":\"tok\"}")!.Token);

    [Fact]
    public void Parse_RangeFieldsAndReplay_AreRead()
    {
        ClientFrame frame = Parse("{\"type\":\"file.read\",\"execId\":\"f\",\"path\":\"a\",\"offset\":1048576,\"length\":524288,\"replay\":true}")!;
        Assert.Equal(1048576, frame.Offset);
        Assert.Equal(524288, frame.Length);
        Assert.True(frame.Replay);
    }

    [Theory]
    [InlineData("{\"type\":\"exec.kill\",\"execId\":\"e\",\"signal\":\"SIGINT\"}", "SIGINT")]
    [InlineData("{\"type\":\"exec.kill\",\"execId\":\"e\",\"signal\":9}", "9")]
    [InlineData("{\"type\":\"exec.kill\",\"execId\":\"e\"}", null)]
    public void Parse_Signal_AcceptsNamesAndNumbers(string json, string? expected) =>
        Assert.Equal(expected, Parse(json)!.Signal);

    [Fact]
    public void Parse_UnknownFieldsAndNestedValues_AreSkipped()
    {
        ClientFrame frame = Parse("{\"extra\":{\"a\":[1,{\"b\":null}]},\"type\":\"exec.get\",\"execId\":\"e\",\"more\":[true]}")!;
        Assert.Equal(ClientFrameType.ExecGet, frame.Type);
        Assert.Equal("e", frame.ExecId);
    }

    [Fact]
    public void Parse_UnknownType_IsKeptAsUnknownWithItsName()
    {
        ClientFrame frame = Parse("{\"type\":\"exec.teleport\",\"execId\":\"e\"}")!;
        Assert.Equal(ClientFrameType.Unknown, frame.Type);
        Assert.Equal("exec.teleport", frame.TypeName);
    }

    [Fact]
    public void Parse_KnownFieldWithWrongType_IsFlaggedNotRejected()
    {
        ClientFrame frame = Parse("{\"type\":\"exec.run\",\"execId\":\"e\",\"command\":42}")!;
        Assert.Equal("command", frame.InvalidField);
        Assert.Null(frame.Command);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"auth\"")]
    [InlineData("{}")]
    [InlineData("{\"type\":1}")]
    [InlineData("{\"type\":null}")]
    [InlineData("{\"type\":\"auth\"")]
    [InlineData("{\"type\":\"auth\"} {}")]
    [InlineData("{\"type\":\"auth\",}")]
    public void Parse_MalformedEnvelope_ReturnsNull(string json) => Assert.Null(Parse(json));

    [Fact]
    public void Parse_InvalidUtf8_ReturnsNull() =>
        Assert.Null(ClientFrameParser.Parse([(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}']));

    [Fact]
    public void Parse_DeepNesting_ReturnsNullInsteadOfThrowing() =>
        Assert.Null(Parse("{\"type\":\"x\",\"a\":" + new string('[', 100) + new string(']', 100) + "}"));
}

/// <summary>file.write content is kept as the string's unescaped UTF-8 bytes and base64-decoded in place (no UTF-16 copy).</summary>
public sealed class FileWriteContentTests
{
    private static ClientFrame Parse(string json) => ClientFrameParser.Parse(Encoding.UTF8.GetBytes(json))!;

    [Fact]
    public void Parse_FileWriteContent_IsTheUnescapedUtf8Bytes()
    {
        ClientFrame frame = Parse("{\"type\":\"file.write\",\"execId\":\"f\",\"path\":\"a\",\"content\":\"QUJD\\/w==\",\"encoding\":\"base64\"}");
        Assert.Equal("QUJD/w=="u8.ToArray(), frame.Content);
        Assert.Equal("h\u00e9"u8.ToArray(), Parse("{\"type\":\"file.write\",\"execId\":\"f\",\"path\":\"a\",\"content\":\"h\\u00e9\",\"encoding\":\"utf8\"}").Content);
    }

    [Fact]
    public void Parse_FileWriteContent_InvalidUtf8_IsMalformed()
    {
        byte[] json = [.. "{\"type\":\"file.write\",\"execId\":\"f\",\"path\":\"a\",\"content\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        Assert.Null(ClientFrameParser.Parse(json));
    }

    [Theory]
    [InlineData("QUJD/w==", null, new byte[] { 0x41, 0x42, 0x43, 0xFF })]
    [InlineData("QUJD\\r\\n/w==", "base64", new byte[] { 0x41, 0x42, 0x43, 0xFF })] // MIME line breaks, as Convert accepted
    [InlineData("", "base64", new byte[0])]
    [InlineData("ABC", "utf-8", new byte[] { 0x41, 0x42, 0x43 })]
    public void Decode_AcceptsWhatTheStringPathAccepted(string content, string? encoding, byte[] expected)
    {
        string field = encoding is null ? string.Empty : $",\"encoding\":\"{encoding}\"";
        ClientFrame frame = Parse($"{{\"type\":\"file.write\",\"execId\":\"f\",\"path\":\"a\",\"content\":\"{content}\"{field}}}");
        Assert.True(FileWriteContent.TryDecode(frame, out ReadOnlyMemory<byte> bytes, out _));
        Assert.Equal(expected, bytes.ToArray());
    }

    [Theory]
    [InlineData("QUJD/w=", "base64")]
    [InlineData("QU*D", null)]
    [InlineData("QUJD", "hex")]
    public void Decode_RefusesInvalidContent(string content, string? encoding)
    {
        string field = encoding is null ? string.Empty : $",\"encoding\":\"{encoding}\"";
        ClientFrame frame = Parse($"{{\"type\":\"file.write\",\"execId\":\"f\",\"path\":\"a\",\"content\":\"{content}\"{field}}}");
        Assert.False(FileWriteContent.TryDecode(frame, out _, out string? problem));
        Assert.NotNull(problem);
    }
}
