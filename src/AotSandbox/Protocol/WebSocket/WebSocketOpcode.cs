namespace AotSandbox.Protocol.WebSocket;

/// <summary>The frame opcodes defined by RFC 6455 §5.2 (all others are reserved and rejected).</summary>
internal enum WebSocketOpcode : byte
{
    /// <summary>Continues a fragmented data message.</summary>
    Continuation = 0x0,

    /// <summary>Starts (or is) a UTF-8 text message.</summary>
    Text = 0x1,

    /// <summary>Starts (or is) a binary message.</summary>
    Binary = 0x2,

    /// <summary>Close control frame.</summary>
    Close = 0x8,

    /// <summary>Ping control frame; answered with a pong carrying the same payload.</summary>
    Ping = 0x9,

    /// <summary>Pong control frame.</summary>
    Pong = 0xA,
}
