using System.Buffers.Binary;

namespace AotSandbox.Protocol.WebSocket;

/// <summary>Writes client-to-server frame headers (always masked, RFC 6455 §5.1).</summary>
internal static class WebSocketFrameWriter
{
    /// <summary>The longest client header: 2 fixed bytes, 8 length bytes, 4 mask bytes.</summary>
    public const int MaxClientHeaderLength = 14;

    /// <summary>Header bytes a masked frame with this payload length needs (minimal length encoding).</summary>
    public static int GetClientHeaderLength(long payloadLength)
        => payloadLength <= 125 ? 6 : payloadLength <= ushort.MaxValue ? 8 : 14;

    /// <summary>Writes a masked frame header.</summary>
    /// <param name="destination">At least <see cref="GetClientHeaderLength"/> bytes.</param>
    /// <param name="opcode">What the frame carries.</param>
    /// <param name="fin">Whether this frame ends its message.</param>
    /// <param name="payloadLength">Payload length in bytes.</param>
    /// <param name="maskKey">Mask key, written little-endian (the order <see cref="WebSocketMasking.Mask"/> expects).</param>
    /// <returns>Bytes written.</returns>
    public static int WriteClientHeader(Span<byte> destination, WebSocketOpcode opcode, bool fin, long payloadLength, uint maskKey)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        int headerLength = GetClientHeaderLength(payloadLength);
        if (destination.Length < headerLength)
        {
            ThrowHelper.ThrowDestinationTooSmall();
        }

        destination[0] = (byte)((fin ? 0x80 : 0) | (byte)opcode);
        int maskAt;
        if (payloadLength <= 125)
        {
            destination[1] = (byte)(0x80 | payloadLength);
            maskAt = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            maskAt = 4;
        }
        else
        {
            destination[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            maskAt = 10;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination[maskAt..], maskKey);
        return headerLength;
    }
}
