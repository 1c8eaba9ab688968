using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace AotSandbox.Rest.Http;

/// <summary>
/// Parses an HTTP/1.x response head (status line and header fields, RFC 9112 §4-5) from the bytes received so far.
/// A pure function of its input: the caller owns the buffer and the socket.
/// </summary>
internal static class HttpResponseHeadParser
{
    /// <summary>Default limit for status line plus headers: a control-plane answer is a few hundred bytes.</summary>
    public const int DefaultMaxHeadBytes = 16 * 1024;

    /// <summary>Longest Location kept for an error message.</summary>
    private const int MaxLocationChars = 512;

    /// <summary>Parses a head.</summary>
    /// <param name="input">Bytes received so far, starting at the status line.</param>
    /// <param name="maxHeadBytes">Limit for the head including its blank line.</param>
    /// <param name="head">The parsed head when Done; the reason in <see cref="HttpResponseHead.Error"/> when InvalidData.</param>
    /// <param name="consumed">Length of the head including the blank line when Done, else 0.</param>
    /// <returns>Done, NeedMoreData, or InvalidData.</returns>
    public static OperationStatus TryParse(ReadOnlySpan<byte> input, int maxHeadBytes, out HttpResponseHead head, out int consumed)
    {
        consumed = 0;
        int end = input.IndexOf("\r\n\r\n"u8);
        if (end < 0 || end + 4 > maxHeadBytes)
        {
            // Anything past the limit without a blank line can only be a head that is too large.
            bool tooLarge = end >= 0 || input.Length >= maxHeadBytes;
            head = tooLarge ? Invalid(0, HttpHeadError.HeaderTooLarge) : default;
            return tooLarge ? OperationStatus.InvalidData : OperationStatus.NeedMoreData;
        }

        head = ParseHead(input[..(end + 2)]);
        if (head.Error != HttpHeadError.None)
        {
            return OperationStatus.InvalidData;
        }

        consumed = end + 4;
        return OperationStatus.Done;
    }

    private static HttpResponseHead Invalid(int status, HttpHeadError error) => new(status, error, -1, false, false, null);

    /// <param name="head">Status line and header lines, each ending in CRLF (the blank line excluded).</param>
    private static HttpResponseHead ParseHead(ReadOnlySpan<byte> head)
    {
        int lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> statusLine = head[..lineEnd];
        ReadOnlySpan<byte> rest = head[(lineEnd + 2)..];

        // "HTTP/1.1 200 OK": version, space, three digits, then an optional reason phrase after a space.
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)statusLine[7])
            || statusLine[8] != (byte)' ' || (statusLine.Length > 12 && statusLine[12] != (byte)' ')
            || !TryParseStatus(statusLine.Slice(9, 3), out int status))
        {
            return Invalid(0, HttpHeadError.Malformed);
        }

        bool http11 = statusLine[7] != (byte)'0';
        bool close = false, chunked = false, transferEncoding = false;
        long contentLength = -1;
        string? location = null;
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = rest[..lineEnd];
            rest = rest[(lineEnd + 2)..];

            // A field name is a token right before the colon: whitespace there, or an obsolete folded line, is refused (§5.1-5.2).
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[..colon].ContainsAny(" \t"u8) || line[..colon].ContainsAnyExceptInRange((byte)0x21, (byte)0x7E))
            {
                return Invalid(status, HttpHeadError.Malformed);
            }

            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out int used) || used != value.Length || length < 0
                    || (contentLength >= 0 && contentLength != length))
                {
                    return Invalid(status, HttpHeadError.AmbiguousLength);
                }

                contentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                // Only "chunked" alone is understood; gzip etc. were never offered.
                if (transferEncoding || !Ascii.EqualsIgnoreCase(value, "chunked"u8))
                {
                    return Invalid(status, HttpHeadError.UnsupportedEncoding);
                }

                transferEncoding = chunked = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Encoding"u8))
            {
                if (!value.IsEmpty && !Ascii.EqualsIgnoreCase(value, "identity"u8))
                {
                    return Invalid(status, HttpHeadError.UnsupportedEncoding);
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                close |= ContainsToken(value, "close"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Location"u8))
            {
                location = Encoding.Latin1.GetString(value[..Math.Min(value.Length, MaxLocationChars)]);
            }
        }

        if (transferEncoding && contentLength >= 0)
        {
            return Invalid(status, HttpHeadError.AmbiguousLength);
        }

        return new HttpResponseHead(status, HttpHeadError.None, contentLength, chunked, http11 && !close, location);
    }

    private static bool TryParseStatus(ReadOnlySpan<byte> digits, out int status)
    {
        status = 0;
        foreach (byte b in digits)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }

            status = (status * 10) + (b - '0');
        }

        return status >= 100;
    }

    /// <summary>Whether a comma-separated header value lists <paramref name="token"/> (case-insensitive).</summary>
    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (Range range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }
}
