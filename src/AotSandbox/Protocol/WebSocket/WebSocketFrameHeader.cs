namespace AotSandbox.Protocol.WebSocket;

/// <summary>
/// One parsed RFC 6455 frame header. A plain value: it says nothing about where the payload lives,
/// only how long it is and how many bytes the header itself took.
/// </summary>
/// <param name="Fin">Whether this frame ends its message.</param>
/// <param name="Rsv">The three reserved bits (RSV1 = 0b100). Always 0 once validated: we negotiate no extension.</param>
/// <param name="Opcode">What the frame carries.</param>
/// <param name="Masked">Whether the payload is masked (only client-to-server frames are).</param>
/// <param name="MaskKey">The masking key as it appears on the wire, read little-endian (wire byte <c>i</c> is bits <c>8i..8i+7</c>), 0 when unmasked.</param>
/// <param name="PayloadLength">Payload length in bytes (at most 2^63 − 1).</param>
/// <param name="HeaderLength">Bytes taken by the header (2 to 14).</param>
internal readonly record struct WebSocketFrameHeader(
    bool Fin,
    byte Rsv,
    WebSocketOpcode Opcode,
    bool Masked,
    uint MaskKey,
    long PayloadLength,
    int HeaderLength)
{
    /// <summary>Close, ping and pong: frames the transport consumes itself.</summary>
    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    /// <summary>Header plus payload.</summary>
    public long FrameLength => HeaderLength + PayloadLength;
}
