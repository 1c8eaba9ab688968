using System.Text;
using System.Text.Json;
using AotSandbox.Protocol;

namespace AotSandbox.Tests.Sdk;

/// <summary>The fast unescaper must decode exactly what System.Text.Json decodes, for every escape form.</summary>
public sealed class JsonStringUnescaperTests
{
    [Theory]
    [InlineData("plain text, no escapes at all")]
    [InlineData("")]
    [InlineData("line one\nline two\n")]
    [InlineData("\\ \" / \b \f \n \r \t")]
    [InlineData("caf\u00e9 \u20ac \ud83d\ude00 \u0001\u001f")]
    [InlineData("\n")]
    [InlineData("ends with an escape\\")]
    public void Unescape_MatchesUtf8JsonReader(string value)
    {
        // Serialize with every non-ASCII character escaped as \uXXXX (default encoder) and, separately, raw.
        foreach (JsonSerializerOptions options in new[] { JsonSerializerOptions.Default, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping } })
        {
            byte[] quoted = JsonSerializer.SerializeToUtf8Bytes(value, options);
            AssertSameAsReader(quoted);
        }
    }

    [Fact]
    public void Unescape_HandWrittenEscapes_LowercaseHexAndSolidus()
    {
        AssertSameAsReader("\"\\u00e9\\u00E9\\/\\ud83d\\ude00x\""u8.ToArray());
    }

    [Fact]
    public void Unescape_LongTerminalOutput_MatchesReader()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 500; i++)
        {
            text.Append(new string((char)('A' + (i % 26)), i % 97)).Append(i % 3 == 0 ? "\r\n" : "\n").Append(i % 11 == 0 ? "\t\"q\"" : string.Empty);
        }

        AssertSameAsReader(JsonSerializer.SerializeToUtf8Bytes(text.ToString()));
    }

    [Theory]
    [InlineData("\"a\\ud83db\"")]
    [InlineData("\"a\\ude00b\"")]
    [InlineData("\"\\ud83d\\u0041\"")]
    [InlineData("\"\\ud83d\"")]
    public void Unescape_UnpairedSurrogate_BecomesReplacementCharacter(string json)
    {
        byte[] quoted = Encoding.UTF8.GetBytes(json);
        byte[] destination = new byte[quoted.Length * 2];
        int length = JsonStringUnescaper.Unescape(quoted.AsSpan(1, quoted.Length - 2), destination);
        string decoded = Encoding.UTF8.GetString(destination, 0, length);
        Assert.Contains("\uFFFD", decoded, StringComparison.Ordinal);
        Assert.DoesNotContain("\\", decoded, StringComparison.Ordinal);
    }

    private static void AssertSameAsReader(byte[] quoted)
    {
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        byte[] expected = new byte[quoted.Length];
        int expectedLength = reader.CopyString(expected);

        byte[] actual = new byte[quoted.Length - 2];
        int actualLength = JsonStringUnescaper.Unescape(quoted.AsSpan(1, quoted.Length - 2), actual);
        Assert.Equal(expected.AsSpan(0, expectedLength).ToArray(), actual.AsSpan(0, actualLength).ToArray());
    }
}
