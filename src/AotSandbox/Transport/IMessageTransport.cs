using System.Buffers;

namespace AotSandbox.Transport;

/// <summary>
/// A message-oriented, full-duplex connection that carries protocol frames (one JSON object per text message).
/// The session layer depends only on this contract; <see cref="WebSocketClient"/> provides the RFC 6455 implementation.
/// </summary>
internal interface IMessageTransport : IAsyncDisposable
{
    /// <summary>
    /// Waits for the next complete data message (control frames are handled inside the transport).
    /// The payload stays valid until <see cref="ReleaseMessage"/> or the next call to this method.
    /// When the connection ends, returns a message of kind <see cref="TransportMessageKind.Closed"/> (also on every later call).
    /// Only one receive may be outstanding at a time.
    /// </summary>
    ValueTask<TransportMessage> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Returns the buffers of the last received message to the transport.</summary>
    void ReleaseMessage();

    /// <summary>
    /// Returns the next message when it is already complete in what the last read brought in, without reading or waiting:
    /// a receiver drains one read's messages in a synchronous loop and awaits <see cref="ReceiveAsync"/> only when this
    /// returns false. Releases the previous message first (as <see cref="ReceiveAsync"/> does). A false result says
    /// nothing about the connection: <see cref="ReceiveAsync"/> then reads more, handles control frames and reports the
    /// close. Same single-receiver rule and payload lifetime as <see cref="ReceiveAsync"/>.
    /// </summary>
    bool TryReceiveBuffered(out TransportMessage message);

    /// <summary>
    /// Sends one text message. Safe to call concurrently with <see cref="ReceiveAsync"/> and with other sends
    /// (sends are serialized inside; a message is never interleaved with another).
    /// </summary>
    ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8Payload, CancellationToken cancellationToken);

    /// <summary>
    /// Sends one binary message whose payload is <paramref name="head"/> followed by <paramref name="body"/> (the
    /// <c>file.binary</c> envelope and the caller's file bytes, docs/PROTOCOL.md §4.7): the two are never joined in a
    /// buffer of their own. Same concurrency rules as <see cref="SendTextAsync"/>; both buffers are only read, and only
    /// until the returned task completes.
    /// </summary>
    ValueTask SendBinaryAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a ping control frame (empty payload). The peer's pong is consumed inside the transport; its only effect is
    /// to move <see cref="LastReceivedAt"/>, which is what keepalive needs. Safe to call concurrently with everything else.
    /// </summary>
    ValueTask SendPingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="Environment.TickCount64"/> of the last time any bytes at all arrived from the peer (data, ping, pong,
    /// even half a frame); the connection's creation time before that. A plain field write per read: no allocation.
    /// </summary>
    long LastReceivedAt { get; }

    /// <summary>Starts (or completes) the close handshake with the given code and waits briefly for the peer's close.</summary>
    ValueTask CloseAsync(int closeCode, string? reason, CancellationToken cancellationToken);
}

/// <summary>What a received message is.</summary>
internal enum TransportMessageKind
{
    /// <summary>A complete text message (UTF-8 validated).</summary>
    Text,

    /// <summary>A complete binary message.</summary>
    Binary,

    /// <summary>The connection ended; see <see cref="TransportMessage.CloseCode"/>.</summary>
    Closed,
}

/// <summary>One received message: a view over transport-owned buffers, valid until released.</summary>
internal readonly struct TransportMessage
{
    public TransportMessage(TransportMessageKind kind, ReadOnlySequence<byte> payload, int closeCode = 0, string? closeReason = null)
    {
        Kind = kind;
        Payload = payload;
        CloseCode = closeCode;
        CloseReason = closeReason;
    }

    /// <summary>What the message is.</summary>
    public TransportMessageKind Kind { get; }

    /// <summary>The message payload (empty for <see cref="TransportMessageKind.Closed"/>).</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>For <see cref="TransportMessageKind.Closed"/>: the peer's close code, 1005 when its close frame had none, 1006 when the connection dropped without one.</summary>
    public int CloseCode { get; }

    /// <summary>For <see cref="TransportMessageKind.Closed"/>: the peer's close reason, if any.</summary>
    public string? CloseReason { get; }
}
