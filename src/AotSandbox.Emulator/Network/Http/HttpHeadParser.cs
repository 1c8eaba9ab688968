using System.Globalization;
using System.Text;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// A strict HTTP/1.x head parser, a pure function of bytes. It refuses everything two parsers could read
/// differently: bare LF, obs-fold, whitespace before the colon, both Content-Length and Transfer-Encoding, duplicate
/// Content-Length, any Transfer-Encoding other than exactly "chunked", non-token header names, control bytes.
/// </summary>
internal static class HttpHeadParser
{
    /// <summary>Longest head accepted (request line + headers).</summary>
    public const int MaxHeadBytes = 32 * 1024;

    private const int MaxHeaders = 128;

    /// <summary>Parses a request head at the start of <paramref name="buffer"/>.</summary>
    public static HttpParseStatus ParseRequest(ReadOnlySpan<byte> buffer, out HttpHead? head, out string? error)
        => Parse(buffer, isRequest: true, out head, out error);

    /// <summary>Parses a response head at the start of <paramref name="buffer"/>.</summary>
    public static HttpParseStatus ParseResponse(ReadOnlySpan<byte> buffer, out HttpHead? head, out string? error)
        => Parse(buffer, isRequest: false, out head, out error);

    private static HttpParseStatus Parse(ReadOnlySpan<byte> buffer, bool isRequest, out HttpHead? head, out string? error)
    {
        head = null;
        error = null;
        int end = buffer.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            // A bare LF anywhere in what we have is already fatal; otherwise wait for more (bounded).
            if (HasBareLf(buffer)) { error = "bare LF in head"; return HttpParseStatus.Invalid; }
            if (buffer.Length >= MaxHeadBytes) { error = "head too large"; return HttpParseStatus.Invalid; }
            return HttpParseStatus.Incomplete;
        }
        if (end + 4 > MaxHeadBytes) { error = "head too large"; return HttpParseStatus.Invalid; }
        ReadOnlySpan<byte> text = buffer[..(end + 2)];

        var headers = new List<KeyValuePair<string, string>>();
        int pos = 0;
        string? startLine = null;
        while (pos < text.Length)
        {
            int nl = text[pos..].IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = text.Slice(pos, nl);
            pos += nl + 2;
            if (line.IndexOf((byte)'\n') >= 0 || line.IndexOf((byte)'\r') >= 0) { error = "bare CR or LF in head"; return HttpParseStatus.Invalid; }
            foreach (byte b in line)
            {
                if ((b < 0x20 && b != (byte)'\t') || b == 0x7f) { error = "control byte in head"; return HttpParseStatus.Invalid; }
            }
            if (startLine is null)
            {
                startLine = Encoding.Latin1.GetString(line);
                continue;
            }
            if (line.Length > 0 && (line[0] == (byte)' ' || line[0] == (byte)'\t')) { error = "obs-fold in headers"; return HttpParseStatus.Invalid; }
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) { error = "header without name"; return HttpParseStatus.Invalid; }
            ReadOnlySpan<byte> name = line[..colon];
            foreach (byte b in name)
            {
                if (!IsTokenChar(b)) { error = "invalid header name"; return HttpParseStatus.Invalid; }
            }

            string value = Encoding.Latin1.GetString(line[(colon + 1)..]).Trim(' ', '\t');
            if (headers.Count == MaxHeaders) { error = "too many headers"; return HttpParseStatus.Invalid; }
            headers.Add(new(Encoding.ASCII.GetString(name), value));
        }
        if (startLine is null) { error = "empty head"; return HttpParseStatus.Invalid; }

        string method = "", target = "", version;
        int status = 0;
        string[] parts = startLine.Split(' ');
        if (isRequest)
        {
            if (parts.Length != 3) { error = "malformed request line"; return HttpParseStatus.Invalid; }
            (method, target, version) = (parts[0], parts[1], parts[2]);
            if (method.Length == 0 || !method.All(c => c < 0x80 && IsTokenChar((byte)c))) { error = "invalid method"; return HttpParseStatus.Invalid; }
            if (target.Length == 0) { error = "empty request target"; return HttpParseStatus.Invalid; }
        }
        else
        {
            if (parts.Length < 2) { error = "malformed status line"; return HttpParseStatus.Invalid; }
            version = parts[0];
            if (parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out status) || status < 100)
            {
                error = "malformed status code";
                return HttpParseStatus.Invalid;
            }
        }
        if (version is not ("HTTP/1.1" or "HTTP/1.0")) { error = "unsupported HTTP version"; return HttpParseStatus.Invalid; }

        var probe = new HttpHead { Headers = headers };
        int clCount = probe.Count("Content-Length");
        int teCount = probe.Count("Transfer-Encoding");
        if (clCount > 1) { error = "duplicate Content-Length"; return HttpParseStatus.Invalid; }
        if (teCount > 1) { error = "duplicate Transfer-Encoding"; return HttpParseStatus.Invalid; }
        if (clCount == 1 && teCount == 1) { error = "both Content-Length and Transfer-Encoding"; return HttpParseStatus.Invalid; }
        long? contentLength = null;
        if (clCount == 1)
        {
            string cl = probe.Get("Content-Length")!;
            if (cl.Length is 0 or > 18 || !cl.All(char.IsAsciiDigit)) { error = "invalid Content-Length"; return HttpParseStatus.Invalid; }
            contentLength = long.Parse(cl, CultureInfo.InvariantCulture);
        }
        bool chunked = false;
        if (teCount == 1)
        {
            if (!string.Equals(probe.Get("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase)) { error = "Transfer-Encoding other than chunked"; return HttpParseStatus.Invalid; }
            chunked = true;
        }

        head = new HttpHead
        {
            Method = method,
            Target = target,
            Status = status,
            Version = version,
            Headers = headers,
            Length = end + 4,
            ContentLength = contentLength,
            Chunked = chunked,
        };
        return HttpParseStatus.Complete;
    }

    private static bool HasBareLf(ReadOnlySpan<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            if (buffer[i] == (byte)'\n' && (i == 0 || buffer[i - 1] != (byte)'\r'))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsTokenChar(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
        || b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
            or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
}
