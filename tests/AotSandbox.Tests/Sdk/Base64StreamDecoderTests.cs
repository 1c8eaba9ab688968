namespace AotSandbox.Tests.Sdk;

/// <summary>The download fallback's decoder: base64 split anywhere, with line breaks, decoded with fixed buffers.</summary>
public sealed class Base64StreamDecoderTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(1000, 7)]
    [InlineData(200_000, 65_536)]
    [InlineData(200_000, 65_535)]
    public void SplitAnywhere_WithLineBreaks_DecodesExactly(int length, int piece)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        // coreutils base64 wraps at 76 columns; a chunk boundary may fall inside a group or a line break.
        string text = Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
        var decoder = new Base64StreamDecoder();
        var output = new MemoryStream();
        for (int i = 0; i < text.Length; i += piece)
        {
            output.Write(decoder.Decode(text.Substring(i, Math.Min(piece, text.Length - i))).Span);
        }

        decoder.Finish("f");
        Assert.Equal(data, output.ToArray());
    }

    [Fact]
    public void TruncatedOutput_IsReported()
    {
        var decoder = new Base64StreamDecoder();
        decoder.Decode("aGVsbG8");
        var error = Assert.Throws<SandboxClientException>(() => decoder.Finish("f"));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotBase64_OrDataAfterThePadding_IsReported()
    {
        Assert.Throws<SandboxClientException>(() => new Base64StreamDecoder().Decode("ab$d"));
        var decoder = new Base64StreamDecoder();
        Assert.Equal("hi"u8.ToArray(), decoder.Decode("aGk=").ToArray());
        Assert.Throws<SandboxClientException>(() => decoder.Decode("aGk="));
    }

    [Fact]
    public void ShellQuote_KeepsEveryCharacterLiteral()
    {
        Assert.Equal("'a b'", Sandbox.ShellQuote("a b"));
        Assert.Equal("'it'\\''s $(x) `y`'", Sandbox.ShellQuote("it's $(x) `y`"));
    }
}
