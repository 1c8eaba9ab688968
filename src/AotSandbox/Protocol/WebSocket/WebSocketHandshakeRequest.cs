using System.Buffers.Text;
using System.Text;

namespace AotSandbox.Protocol.WebSocket;

/// <summary>Builds the client's HTTP/1.1 upgrade request and the accept value the server must answer with (RFC 6455 §4.1).</summary>
internal static class WebSocketHandshakeRequest
{
    /// <summary>Length of a base64-encoded 16-byte Sec-WebSocket-Key.</summary>
    public const int KeyLength = 24;

    /// <summary>Length of a base64-encoded SHA-1 (Sec-WebSocket-Accept).</summary>
    public const int AcceptLength = 28;

    private static ReadOnlySpan<byte> AcceptGuid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>
    /// Writes a fresh Sec-WebSocket-Key (16 bytes, base64) into <paramref name="destination"/>. The bytes are a v4 GUID:
    /// on Linux Guid.NewGuid draws 122 bits from the OS CSPRNG through the runtime's own native shim, whereas
    /// RandomNumberGenerator would load OpenSSL (2-3 ms measured in an AOT process) for a nonce that only has to be fresh.
    /// </summary>
    public static void CreateKey(Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(nonce);
        Base64.EncodeToUtf8(nonce, destination[..KeyLength], out _, out _);
    }

    /// <summary>Computes base64(SHA-1(key + GUID)) into <paramref name="destination"/> (28 bytes).</summary>
    public static void ComputeAccept(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[KeyLength + 36];
        key.CopyTo(input);
        AcceptGuid.CopyTo(input[key.Length..]);
        Span<byte> hash = stackalloc byte[HandshakeSha1.HashBytes];

        // SHA-1 is what RFC 6455 prescribes; it proves the server speaks WebSocket and is no security boundary.
        HandshakeSha1.HashData(input[..(key.Length + AcceptGuid.Length)], hash);
        Base64.EncodeToUtf8(hash, destination[..AcceptLength], out _, out _);
    }

    /// <summary>
    /// Builds the GET upgrade request. It carries no credentials, subprotocol or extension offer: the sandbox
    /// protocol authenticates in its first message and negotiates nothing at the HTTP layer.
    /// </summary>
    /// <param name="uri">A ws:// or wss:// address; its path (and query, if the caller put one there) is requested.</param>
    /// <param name="key">The Sec-WebSocket-Key from <see cref="CreateKey"/>.</param>
    public static byte[] Build(Uri uri, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var request = new StringBuilder(256);
        request.Append("GET ").Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n");
        request.Append("Host: ").Append(Rest.Http.HttpRequestWriter.HostValue(uri));
        request.Append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ")
            .Append(Encoding.ASCII.GetString(key))
            .Append("\r\nSec-WebSocket-Version: 13\r\n\r\n");
        return Encoding.ASCII.GetBytes(request.ToString());
    }
}
