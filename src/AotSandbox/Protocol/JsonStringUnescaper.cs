using System.Buffers.Text;
using System.Text;

namespace AotSandbox.Protocol;

/// <summary>
/// Decodes the escapes of a JSON string value that <see cref="System.Text.Json.Utf8JsonReader"/> has already read and
/// validated. The reader validates every string as it passes over it; decoding it again with a second reader (as
/// <c>CopyString</c> on a fresh one does) repeats that byte-by-byte validation, which dominated the cost of escaped
/// output (every newline of terminal output is <c>\n</c>). Here the unescaped runs between backslashes are located
/// with a vectorized search and copied in bulk.
/// </summary>
internal static class JsonStringUnescaper
{
    /// <summary>
    /// Writes the decoded UTF-8 of <paramref name="escaped"/> (the bytes between the quotes of a validated token) to
    /// <paramref name="destination"/>, which must hold at least <c>escaped.Length</c> bytes (decoding never grows a value).
    /// An unpaired surrogate escape decodes to U+FFFD, as a lenient UTF-8 decoder would.
    /// </summary>
    /// <returns>Bytes written.</returns>
    public static int Unescape(ReadOnlySpan<byte> escaped, Span<byte> destination)
    {
        int written = 0;
        while (true)
        {
            int backslash = escaped.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                escaped.CopyTo(destination[written..]);
                return written + escaped.Length;
            }

            escaped[..backslash].CopyTo(destination[written..]);
            written += backslash;
            byte kind = escaped[backslash + 1];
            escaped = escaped[(backslash + 2)..];
            switch (kind)
            {
                case (byte)'n': destination[written++] = (byte)'\n'; break;
                case (byte)'t': destination[written++] = (byte)'\t'; break;
                case (byte)'r': destination[written++] = (byte)'\r'; break;
                case (byte)'b': destination[written++] = (byte)'\b'; break;
                case (byte)'f': destination[written++] = (byte)'\f'; break;
                case (byte)'u':
                    written += WriteCodePoint(ref escaped, destination[written..]);
                    break;
                default: destination[written++] = kind; break; // '"', '\\', '/'
            }
        }
    }

    /// <summary>Decodes <c>XXXX</c> (after <c>\u</c>), pairing a high surrogate with a following <c>\uXXXX</c> low one.</summary>
    private static int WriteCodePoint(ref ReadOnlySpan<byte> escaped, Span<byte> destination)
    {
        int code = Hex4(escaped);
        escaped = escaped[4..];
        if (char.IsHighSurrogate((char)code))
        {
            if (escaped.Length >= 6 && escaped[0] == (byte)'\\' && escaped[1] == (byte)'u' && char.IsLowSurrogate((char)Hex4(escaped[2..])))
            {
                code = char.ConvertToUtf32((char)code, (char)Hex4(escaped[2..]));
                escaped = escaped[6..];
            }
            else
            {
                code = Rune.ReplacementChar.Value;
            }
        }
        else if (char.IsLowSurrogate((char)code))
        {
            code = Rune.ReplacementChar.Value;
        }

        return new Rune(code).EncodeToUtf8(destination);
    }

    // The reader validated the four hex digits; the fallback only keeps a broken invariant from writing garbage.
    private static int Hex4(ReadOnlySpan<byte> hex)
        => Utf8Parser.TryParse(hex[..4], out ushort value, out _, 'X') ? value : Rune.ReplacementChar.Value;
}
