using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace AotSandbox.Protocol.WebSocket;

/// <summary>
/// Parses the server's answer to the upgrade request (RFC 6455 §4.1, client steps 1-6). A pure function of the
/// received bytes; the bytes after the blank line are not touched: they already belong to the frame stream.
/// </summary>
internal static class WebSocketHandshakeParser
{
    /// <summary>Default limit for status line plus headers; a real 101 is a few hundred bytes.</summary>
    public const int DefaultMaxHeaderBytes = 16 * 1024;

    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;

    /// <summary>Parses the response head.</summary>
    /// <param name="input">Bytes received so far.</param>
    /// <param name="expectedAccept">The Sec-WebSocket-Accept the server must send.</param>
    /// <param name="maxHeaderBytes">Limit for the head including the blank line.</param>
    /// <param name="response">The result when done (check its <see cref="WebSocketHandshakeResponse.Error"/>), or the reason when invalid.</param>
    /// <param name="consumed">Bytes of the head including the blank line when done, otherwise 0.</param>
    /// <returns>Done when a complete head was read (accepted or refused), NeedMoreData, or InvalidData when it is malformed or too large.</returns>
    public static OperationStatus TryParse(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> expectedAccept, int maxHeaderBytes, out WebSocketHandshakeResponse response, out long consumed)
    {
        consumed = 0;
        var reader = new SequenceReader<byte>(input);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, HeaderEnd, advancePastDelimiter: true))
        {
            if (input.Length >= maxHeaderBytes)
            {
                response = new WebSocketHandshakeResponse(0, WebSocketHandshakeError.HeaderTooLarge, -1);
                return OperationStatus.InvalidData;
            }

            response = default;
            return OperationStatus.NeedMoreData;
        }

        if (reader.Consumed > maxHeaderBytes)
        {
            response = new WebSocketHandshakeResponse(0, WebSocketHandshakeError.HeaderTooLarge, -1);
            return OperationStatus.InvalidData;
        }

        // Handshake time, not the hot path: a copy of a multi-segment head keeps the line parsing simple.
        ReadOnlySpan<byte> text = head.IsSingleSegment ? head.FirstSpan : head.ToArray();
        response = ParseHead(text, expectedAccept);
        if (response.Error == WebSocketHandshakeError.MalformedResponse)
        {
            return OperationStatus.InvalidData;
        }

        consumed = reader.Consumed;
        return OperationStatus.Done;
    }

    private static WebSocketHandshakeResponse ParseHead(ReadOnlySpan<byte> head, ReadOnlySpan<byte> expectedAccept)
    {
        int lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> statusLine = lineEnd < 0 ? head : head[..lineEnd];
        ReadOnlySpan<byte> rest = lineEnd < 0 ? default : head[(lineEnd + 2)..];

        // "HTTP/1.1 101 Switching Protocols": version, space, three digits, then an optional reason phrase.
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' '
            || (statusLine.Length > 12 && statusLine[12] != (byte)' ')
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int statusCode, out int digits) || digits != 3)
        {
            return new WebSocketHandshakeResponse(0, WebSocketHandshakeError.MalformedResponse, -1);
        }

        bool upgrade = false, connectionUpgrade = false, acceptSeen = false, acceptValid = true;
        bool extension = false, subprotocol = false;
        long contentLength = -1;
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = lineEnd < 0 ? rest : rest[..lineEnd];
            rest = lineEnd < 0 ? default : rest[(lineEnd + 2)..];

            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return new WebSocketHandshakeResponse(statusCode, WebSocketHandshakeError.MalformedResponse, -1);
            }

            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Upgrade"u8))
            {
                upgrade |= ContainsToken(value, "websocket"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                connectionUpgrade |= ContainsToken(value, "upgrade"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Accept"u8))
            {
                acceptSeen = true;
                acceptValid &= value.SequenceEqual(expectedAccept);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Extensions"u8))
            {
                extension |= !value.IsEmpty;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Protocol"u8))
            {
                subprotocol |= !value.IsEmpty;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8)
                && Utf8Parser.TryParse(value, out long length, out int used) && used == value.Length)
            {
                contentLength = length;
            }
        }

        WebSocketHandshakeError error =
            statusCode != 101 ? WebSocketHandshakeError.UnexpectedStatus
            : !upgrade ? WebSocketHandshakeError.MissingUpgrade
            : !connectionUpgrade ? WebSocketHandshakeError.MissingConnectionUpgrade
            : !(acceptSeen && acceptValid) ? WebSocketHandshakeError.InvalidAccept
            : extension ? WebSocketHandshakeError.UnexpectedExtension
            : subprotocol ? WebSocketHandshakeError.UnexpectedSubprotocol
            : WebSocketHandshakeError.None;
        return new WebSocketHandshakeResponse(statusCode, error, contentLength);
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
