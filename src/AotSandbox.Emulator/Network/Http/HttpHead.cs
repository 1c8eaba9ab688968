namespace AotSandbox.Emulator.Network;

/// <summary>A parsed HTTP/1.x message head (request or response), with its framing already validated.</summary>
internal sealed class HttpHead
{
    /// <summary>Request method (requests only).</summary>
    public string Method { get; init; } = "";

    /// <summary>Request target as sent (requests only).</summary>
    public string Target { get; init; } = "";

    /// <summary>Status code (responses only).</summary>
    public int Status { get; init; }

    /// <summary>"HTTP/1.1" or "HTTP/1.0".</summary>
    public string Version { get; init; } = "HTTP/1.1";

    /// <summary>Header fields in order (names as sent).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Length of the head in bytes including the final CRLF CRLF.</summary>
    public int Length { get; init; }

    /// <summary>Content-Length, when present.</summary>
    public long? ContentLength { get; init; }

    /// <summary>Transfer-Encoding: chunked.</summary>
    public bool Chunked { get; init; }

    /// <summary>The only value of header <paramref name="name"/>, or null when absent (duplicates were refused for the headers that matter).</summary>
    public string? Get(string name)
    {
        foreach (KeyValuePair<string, string> h in Headers)
        {
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return h.Value;
            }
        }
        return null;
    }

    /// <summary>How many times <paramref name="name"/> appears.</summary>
    public int Count(string name)
    {
        int n = 0;
        foreach (KeyValuePair<string, string> h in Headers)
        {
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                n++;
            }
        }

        return n;
    }
}

/// <summary>Outcome of parsing a head from a buffer.</summary>
internal enum HttpParseStatus
{
    /// <summary>More bytes are needed.</summary>
    Incomplete,

    /// <summary>A complete, valid head.</summary>
    Complete,

    /// <summary>The bytes are not an acceptable HTTP/1.x head (the reason says why).</summary>
    Invalid,
}
