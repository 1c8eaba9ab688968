namespace AotSandbox.Protocol.WebSocket;

/// <summary>Why a frame header was rejected. Every one of these is a protocol error (close code 1002).</summary>
internal enum WebSocketFrameError : byte
{
    /// <summary>No error.</summary>
    None,

    /// <summary>RSV1-3 set although no extension was negotiated.</summary>
    ReservedBitsSet,

    /// <summary>Opcode 3-7 or 0xB-0xF.</summary>
    UnknownOpcode,

    /// <summary>A close, ping or pong frame without FIN.</summary>
    FragmentedControlFrame,

    /// <summary>A control frame with a payload longer than 125 bytes.</summary>
    ControlFrameTooLong,

    /// <summary>A 64-bit payload length with its most significant bit set.</summary>
    PayloadLengthMsbSet,

    /// <summary>A masked frame where unmasked ones are required (server to client), or the reverse.</summary>
    UnexpectedMasking,
}
