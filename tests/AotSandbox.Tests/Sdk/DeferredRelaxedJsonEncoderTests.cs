using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AotSandbox.Protocol;
using CsCheck;

namespace AotSandbox.Tests.Sdk;

/// <summary>
/// The frame writer's encoder defers building <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> (a cold-start
/// cost) but must write exactly what it writes: its own ASCII decision against the relaxed encoder's for all 128
/// characters, and whole strings through Utf8JsonWriter with either encoder.
/// </summary>
public sealed class DeferredRelaxedJsonEncoderTests
{
    private static readonly JavaScriptEncoder s_relaxed = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    private static readonly JavaScriptEncoder s_deferred = DeferredRelaxedJsonEncoder.Instance;

    [Fact]
    public void EveryAsciiCharacter_IsEscapedExactlyWhenTheRelaxedEncoderEscapesIt()
    {
        int escaped = 0;
        for (int c = 0; c < 128; c++)
        {
            byte[] utf8 = [(byte)c];
            string text = ((char)c).ToString();
            Assert.Equal(s_relaxed.FindFirstCharacterToEncodeUtf8(utf8), s_deferred.FindFirstCharacterToEncodeUtf8(utf8));
            Assert.Equal(Find(s_relaxed, text), Find(s_deferred, text));
            Assert.Equal(s_relaxed.WillEncode(c), s_deferred.WillEncode(c));
            escaped += s_deferred.FindFirstCharacterToEncodeUtf8(utf8) == 0 ? 1 : 0;
        }

        // The C0 controls, '"', '\' and DEL: the set the fast path hard-codes.
        Assert.Equal(32 + 3, escaped);
    }

    [Fact]
    public void FirstCharacterToEncode_MatchesTheRelaxedEncoder_AfterAsciiPrefixes()
    {
        string[] samples =
        [
            "", "true", "ls -la /tmp && echo \"done\"", "line 1\né", "é", "abc\u2028def", "x\uD800y", "a\uDBFF\uDFFFb",
            "tab\there", "\u007F", "emoji 😀 ok", "<script>&'+`", "\uFFFE\uFFFF", "ascii then \u0301 combining",
        ];
        foreach (string sample in samples)
        {
            Assert.Equal(Find(s_relaxed, sample), Find(s_deferred, sample));
            byte[] utf8 = Encoding.UTF8.GetBytes(sample);
            Assert.Equal(s_relaxed.FindFirstCharacterToEncodeUtf8(utf8), s_deferred.FindFirstCharacterToEncodeUtf8(utf8));
        }

        byte[] invalid = [(byte)'o', (byte)'k', 0xC3, (byte)'x', 0xFF, 0x80];
        Assert.Equal(s_relaxed.FindFirstCharacterToEncodeUtf8(invalid), s_deferred.FindFirstCharacterToEncodeUtf8(invalid));
    }

    [Fact]
    public void WrittenJson_IsByteForByteTheRelaxedEncodersOutput()
    {
        // Strings mixing printable ASCII, escapes, non-ASCII and lone surrogates; UTF-8 as well, invalid sequences included.
        Gen<char> chars = Gen.OneOf(Gen.Char['\u0020', '\u007E'], Gen.Char['\0', '\u001F'], Gen.Char['\u0080', '\uFFFF'], Gen.Char["\"\\\u007F\n"]);
        Gen.Select(chars.Array[0, 40], Gen.Byte.Array[0, 40]).Sample((text, bytes) =>
        {
            string value = new(text);
            Assert.Equal(Write(s_relaxed, value, bytes), Write(s_deferred, value, bytes));
        });
    }

    private static unsafe int Find(JavaScriptEncoder encoder, string text)
    {
        fixed (char* p = text)
        {
            return encoder.FindFirstCharacterToEncode(p, text.Length);
        }
    }

    private static string Write(JavaScriptEncoder encoder, string value, byte[] utf8)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = encoder, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("text", value);
            writer.WriteString(value, "as a name");
            writer.WritePropertyName("utf8");
            writer.WriteStringValue(utf8);
            writer.WriteEndObject();
        }

        return Convert.ToHexString(buffer.WrittenSpan);
    }
}
