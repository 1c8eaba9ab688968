using System.Buffers;
using System.Buffers.Binary;

namespace AotSandbox.Protocol.WebSocket;

/// <summary>
/// Parses RFC 6455 frame headers. A pure function of its input bytes: no I/O, no state, no allocation,
/// so it can be tested byte by byte and reused by a server-role caller.
/// </summary>
/// <remarks>
/// Non-minimal length encodings (e.g. a 5-byte payload announced with the 16-bit form) are <b>accepted</b>:
/// RFC 6455 §5.2 asks senders to use the minimal form but gives receivers no duty to reject, the length is still
/// bounded by the message size limit, and ManagedWebSocket/ws accept them too. Rejecting them would only make us
/// fail on a peer that is harmlessly sloppy.
/// Continuation/opcode sequencing (e.g. a continuation frame without a started message) depends on the previous
/// frame, so it is checked by the connection, not here.
/// </remarks>
internal static class WebSocketFrameParser
{
    /// <summary>The longest possible header: 2 fixed bytes, 8 length bytes, 4 mask bytes.</summary>
    public const int MaxHeaderLength = 14;

    /// <summary>The largest payload a close, ping or pong frame may carry.</summary>
    public const int MaxControlPayloadLength = 125;

    /// <summary>Parses a server-to-client frame header (which must not be masked).</summary>
    /// <returns><see cref="OperationStatus.Done"/>, <see cref="OperationStatus.NeedMoreData"/> (nothing consumed) or <see cref="OperationStatus.InvalidData"/>.</returns>
    public static OperationStatus TryParse(ReadOnlySpan<byte> input, out WebSocketFrameHeader header, out int consumed)
        => TryParse(input, expectMasked: false, out header, out consumed, out _);

    /// <summary>Parses a server-to-client frame header from a possibly multi-segment buffer.</summary>
    public static OperationStatus TryParse(in ReadOnlySequence<byte> input, out WebSocketFrameHeader header, out int consumed)
        => TryParse(input, expectMasked: false, out header, out consumed, out _);

    /// <summary>Parses a frame header from a possibly multi-segment buffer, reporting why it was rejected.</summary>
    /// <param name="input">The received bytes, starting at a frame boundary.</param>
    /// <param name="expectMasked">false for a client reading server frames; true for a server reading client frames.</param>
    /// <param name="header">The header when the result is <see cref="OperationStatus.Done"/>.</param>
    /// <param name="consumed">Header bytes when done, otherwise 0.</param>
    /// <param name="error">Why the result is <see cref="OperationStatus.InvalidData"/>.</param>
    public static OperationStatus TryParse(in ReadOnlySequence<byte> input, bool expectMasked, out WebSocketFrameHeader header, out int consumed, out WebSocketFrameError error)
    {
        ReadOnlySpan<byte> first = input.FirstSpan;
        if (first.Length >= MaxHeaderLength || input.IsSingleSegment)
        {
            return TryParse(first, expectMasked, out header, out consumed, out error);
        }

        // The header straddles segments: copy at most 14 bytes, never the payload.
        Span<byte> scratch = stackalloc byte[MaxHeaderLength];
        int available = (int)Math.Min(input.Length, MaxHeaderLength);
        input.Slice(0, available).CopyTo(scratch);
        return TryParse(scratch[..available], expectMasked, out header, out consumed, out error);
    }

    /// <summary>Parses a frame header, reporting why it was rejected.</summary>
    /// <param name="input">The received bytes, starting at a frame boundary.</param>
    /// <param name="expectMasked">false for a client reading server frames; true for a server reading client frames.</param>
    /// <param name="header">The header when the result is <see cref="OperationStatus.Done"/>.</param>
    /// <param name="consumed">Header bytes when done, otherwise 0.</param>
    /// <param name="error">Why the result is <see cref="OperationStatus.InvalidData"/>.</param>
    public static OperationStatus TryParse(ReadOnlySpan<byte> input, bool expectMasked, out WebSocketFrameHeader header, out int consumed, out WebSocketFrameError error)
    {
        header = default;
        consumed = 0;
        error = WebSocketFrameError.None;
        if (input.Length < 2)
        {
            return OperationStatus.NeedMoreData;
        }

        // Everything that can be judged from the first two bytes is judged before asking for more,
        // so a hostile peer cannot make us wait on a header we will reject anyway.
        byte b0 = input[0];
        byte b1 = input[1];
        bool fin = (b0 & 0x80) != 0;
        byte rsv = (byte)((b0 >> 4) & 0x7);
        var opcode = (WebSocketOpcode)(b0 & 0x0F);
        bool masked = (b1 & 0x80) != 0;
        int length7 = b1 & 0x7F;

        if (rsv != 0)
        {
            return Invalid(WebSocketFrameError.ReservedBitsSet, out error);
        }

        switch (opcode)
        {
            case WebSocketOpcode.Continuation:
            case WebSocketOpcode.Text:
            case WebSocketOpcode.Binary:
                break;
            case WebSocketOpcode.Close:
            case WebSocketOpcode.Ping:
            case WebSocketOpcode.Pong:
                if (!fin)
                {
                    return Invalid(WebSocketFrameError.FragmentedControlFrame, out error);
                }

                if (length7 > MaxControlPayloadLength)
                {
                    return Invalid(WebSocketFrameError.ControlFrameTooLong, out error);
                }

                break;
            default:
                return Invalid(WebSocketFrameError.UnknownOpcode, out error);
        }

        if (masked != expectMasked)
        {
            return Invalid(WebSocketFrameError.UnexpectedMasking, out error);
        }

        int lengthBytes = length7 switch { 126 => 2, 127 => 8, _ => 0 };
        int headerLength = 2 + lengthBytes + (masked ? 4 : 0);
        if (input.Length < headerLength)
        {
            // The MSB of a 64-bit length is already visible in the third byte; reject early.
            if (lengthBytes == 8 && input.Length > 2 && (input[2] & 0x80) != 0)
            {
                return Invalid(WebSocketFrameError.PayloadLengthMsbSet, out error);
            }

            return OperationStatus.NeedMoreData;
        }

        long payloadLength;
        if (lengthBytes == 0)
        {
            payloadLength = length7;
        }
        else if (lengthBytes == 2)
        {
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(input[2..]);
        }
        else
        {
            ulong length64 = BinaryPrimitives.ReadUInt64BigEndian(input[2..]);
            if ((length64 & 0x8000_0000_0000_0000UL) != 0)
            {
                return Invalid(WebSocketFrameError.PayloadLengthMsbSet, out error);
            }

            payloadLength = (long)length64;
        }

        uint maskKey = masked ? BinaryPrimitives.ReadUInt32LittleEndian(input[(2 + lengthBytes)..]) : 0;
        header = new WebSocketFrameHeader(fin, rsv, opcode, masked, maskKey, payloadLength, headerLength);
        consumed = headerLength;
        return OperationStatus.Done;
    }

    private static OperationStatus Invalid(WebSocketFrameError reason, out WebSocketFrameError error)
    {
        error = reason;
        return OperationStatus.InvalidData;
    }
}
