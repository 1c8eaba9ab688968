namespace AotSandbox.Rest.Http;

/// <summary>Why a response head was refused.</summary>
internal enum HttpHeadError
{
    /// <summary>The head is acceptable.</summary>
    None,

    /// <summary>Status line plus headers exceed the limit.</summary>
    HeaderTooLarge,

    /// <summary>Not an HTTP/1.x status line, or a header line that is not <c>name: value</c>.</summary>
    Malformed,

    /// <summary>Two different Content-Length values, or Content-Length beside Transfer-Encoding (a smuggling shape).</summary>
    AmbiguousLength,

    /// <summary>A transfer or content coding other than chunked/identity (none was offered).</summary>
    UnsupportedEncoding,
}

/// <summary>What the client needs from a response head: how long the body is and whether the connection survives it.</summary>
/// <param name="StatusCode">Three-digit status.</param>
/// <param name="Error">Why the head is unusable, or <see cref="HttpHeadError.None"/>.</param>
/// <param name="ContentLength">The Content-Length, or -1 when absent.</param>
/// <param name="Chunked">Transfer-Encoding: chunked.</param>
/// <param name="KeepAlive">HTTP/1.1 without <c>Connection: close</c> (HTTP/1.0 is never kept).</param>
/// <param name="Location">The Location header (for a redirect's error message), or null.</param>
internal readonly record struct HttpResponseHead(int StatusCode, HttpHeadError Error, long ContentLength, bool Chunked, bool KeepAlive, string? Location)
{
    /// <summary>1xx (other than 101), 204 and 304 carry no body whatever the headers say (RFC 9112 §6.3).</summary>
    public bool HasNoBody => StatusCode is (>= 100 and < 200) or 204 or 304;

    /// <summary>No length and not chunked: the body runs to the end of the connection.</summary>
    public bool ReadsToClose => !HasNoBody && !Chunked && ContentLength < 0;
}
