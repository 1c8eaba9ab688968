using System.Buffers;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// Escapes valid UTF-8 as the content of a JSON string: only what RFC 8259 requires (<c>"</c>, <c>\</c> and the
/// controls below U+0020); everything else, non-ASCII included, is copied as it is. Runs between escapes are found with
/// one vectorized search and copied in bulk. Utf8JsonWriter's escaping visits each run through its encoder and, on
/// base64 output (a newline to escape every 77 bytes), ran at a quarter of this speed (bench/PROFILE-NOTES.md).
/// </summary>
internal static class JsonStringEscaper
{
    /// <summary>The longest escape of one byte (<c>\u00XX</c>).</summary>
    public const int MaxExpansion = 6;

    private static readonly SearchValues<byte> MustEscape = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, (byte)'"', (byte)'\\']);

    private static ReadOnlySpan<byte> HexDigits => "0123456789ABCDEF"u8;

    /// <summary>
    /// Writes the escaped form of <paramref name="utf8"/> (no quotes) to <paramref name="destination"/>, as much as fits:
    /// <paramref name="consumed"/> input bytes, always whole characters, at least one when the destination holds
    /// <see cref="MaxExpansion"/> bytes. Returns the bytes written.
    /// </summary>
    public static int Escape(ReadOnlySpan<byte> utf8, Span<byte> destination, out int consumed)
    {
        int read = 0;
        int written = 0;
        while (read < utf8.Length)
        {
            ReadOnlySpan<byte> rest = utf8[read..];
            int special = rest.IndexOfAny(MustEscape);
            int run = special < 0 ? rest.Length : special;
            int room = destination.Length - written;
            if (run > room)
            {
                // Cut before the character that straddles the end (a continuation byte is never where a cut may go).
                run = room;
                while (run > 0 && (rest[run] & 0xC0) == 0x80)
                {
                    run--;
                }

                rest[..run].CopyTo(destination[written..]);
                consumed = read + run;
                return written + run;
            }

            rest[..run].CopyTo(destination[written..]);
            written += run;
            read += run;
            if (special < 0 || destination.Length - written < MaxExpansion)
            {
                break;
            }

            written += EscapeOne(rest[special], destination[written..]);
            read++;
        }

        consumed = read;
        return written;
    }

    private static int EscapeOne(byte b, Span<byte> destination)
    {
        destination[0] = (byte)'\\';
        byte shortForm = b switch
        {
            (byte)'"' => (byte)'"',
            (byte)'\\' => (byte)'\\',
            (byte)'\n' => (byte)'n',
            (byte)'\r' => (byte)'r',
            (byte)'\t' => (byte)'t',
            (byte)'\b' => (byte)'b',
            (byte)'\f' => (byte)'f',
            _ => 0,
        };
        if (shortForm != 0)
        {
            destination[1] = shortForm;
            return 2;
        }

        destination[1] = (byte)'u';
        destination[2] = (byte)'0';
        destination[3] = (byte)'0';
        destination[4] = HexDigits[b >> 4];
        destination[5] = HexDigits[b & 0xF];
        return 6;
    }
}
