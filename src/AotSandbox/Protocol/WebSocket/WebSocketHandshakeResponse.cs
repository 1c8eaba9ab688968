namespace AotSandbox.Protocol.WebSocket;

/// <summary>What the server answered to the upgrade request.</summary>
/// <param name="StatusCode">The HTTP status code (0 when the status line was malformed).</param>
/// <param name="Error">Why the upgrade is refused, or <see cref="WebSocketHandshakeError.None"/>.</param>
/// <param name="ContentLength">The Content-Length header, −1 when absent (lets the caller fetch a body excerpt of a refusal).</param>
internal readonly record struct WebSocketHandshakeResponse(int StatusCode, WebSocketHandshakeError Error, long ContentLength);

/// <summary>Why an upgrade response is not accepted.</summary>
internal enum WebSocketHandshakeError : byte
{
    /// <summary>The upgrade is accepted.</summary>
    None,

    /// <summary>The response headers exceed the size limit.</summary>
    HeaderTooLarge,

    /// <summary>Not an HTTP/1.x response, or a header line without a colon.</summary>
    MalformedResponse,

    /// <summary>The status is not 101 Switching Protocols.</summary>
    UnexpectedStatus,

    /// <summary>No <c>Upgrade: websocket</c>.</summary>
    MissingUpgrade,

    /// <summary>No <c>upgrade</c> token in <c>Connection</c>.</summary>
    MissingConnectionUpgrade,

    /// <summary>Sec-WebSocket-Accept missing or not base64(SHA-1(key + GUID)).</summary>
    InvalidAccept,

    /// <summary>The server selected an extension although we offered none.</summary>
    UnexpectedExtension,

    /// <summary>The server selected a subprotocol although we offered none.</summary>
    UnexpectedSubprotocol,
}
