using System.Buffers;

namespace AotSandbox.Rest.Http;

/// <summary>
/// Decodes a chunked body (RFC 9112 §7.1) one whole chunk at a time: a pure function of the bytes after what was
/// already decoded, so the caller only keeps an offset and can decode in place (data only ever moves left).
/// </summary>
internal static class ChunkedBodyDecoder
{
    /// <summary>Longest chunk-size line (size, extensions, CRLF): real servers send a few hex digits.</summary>
    public const int MaxSizeLineBytes = 1024;

    /// <summary>Reads the next chunk.</summary>
    /// <param name="input">Bytes starting at a chunk-size line.</param>
    /// <param name="maxData">Most data this chunk may carry (what is left of the body budget); a bigger size is InvalidData at once.</param>
    /// <param name="maxTrailerBytes">Limit for the trailer section after the last chunk.</param>
    /// <param name="dataStart">Offset of the chunk's data in <paramref name="input"/> when Done.</param>
    /// <param name="dataLength">Length of the chunk's data when Done (0 for the last chunk).</param>
    /// <param name="consumed">Bytes of the whole chunk including its CRLF (and the trailers for the last one) when Done.</param>
    /// <returns>Done (a whole chunk is present; the body ends when <paramref name="dataLength"/> is 0), NeedMoreData, or InvalidData.</returns>
    public static OperationStatus TryReadChunk(
        ReadOnlySpan<byte> input, long maxData, int maxTrailerBytes, out int dataStart, out int dataLength, out int consumed)
    {
        dataStart = dataLength = consumed = 0;
        int lineEnd = input.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return input.Length >= MaxSizeLineBytes ? OperationStatus.InvalidData : OperationStatus.NeedMoreData;
        }

        if (lineEnd + 2 > MaxSizeLineBytes || !TryParseSize(input[..lineEnd], out long size))
        {
            return OperationStatus.InvalidData;
        }

        if (size > maxData)
        {
            return OperationStatus.InvalidData;
        }

        int afterLine = lineEnd + 2;
        if (size == 0)
        {
            return TryReadTrailers(input[afterLine..], maxTrailerBytes, afterLine, out consumed);
        }

        if (input.Length - afterLine < size + 2)
        {
            return OperationStatus.NeedMoreData;
        }

        int end = afterLine + (int)size;
        if (input[end] != (byte)'\r' || input[end + 1] != (byte)'\n')
        {
            return OperationStatus.InvalidData;
        }

        dataStart = afterLine;
        dataLength = (int)size;
        consumed = end + 2;
        return OperationStatus.Done;
    }

    /// <summary>Hex digits, then optional whitespace and ";extension" which is ignored.</summary>
    private static bool TryParseSize(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        int digits = 0;
        while (digits < line.Length && char.IsAsciiHexDigit((char)line[digits]))
        {
            // 15 significant hex digits cannot overflow a long; leading zeros do not count.
            if (size > (long.MaxValue >> 4))
            {
                return false;
            }

            size = (size << 4) | (long)HexValue(line[digits]);
            digits++;
        }

        if (digits == 0)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = line[digits..].TrimStart(" \t"u8);
        return rest.IsEmpty || rest[0] == (byte)';';
    }

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>After "0\r\n": trailer fields (ignored) up to an empty line.</summary>
    private static OperationStatus TryReadTrailers(ReadOnlySpan<byte> input, int maxTrailerBytes, int offset, out int consumed)
    {
        consumed = 0;
        if (input.StartsWith("\r\n"u8))
        {
            consumed = offset + 2;
            return OperationStatus.Done;
        }

        int end = input.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return input.Length >= maxTrailerBytes ? OperationStatus.InvalidData : OperationStatus.NeedMoreData;
        }

        if (end + 4 > maxTrailerBytes)
        {
            return OperationStatus.InvalidData;
        }

        consumed = offset + end + 4;
        return OperationStatus.Done;
    }
}
