using System.Buffers;
using System.Buffers.Binary;

namespace AotSandbox.Protocol;

/// <summary>
/// The binary message of the <c>file.binary</c> extension (docs/PROTOCOL.md §4.7), client side: <c>u8 0xB1, u8 0
/// (reserved), u16 big-endian header length H, H bytes of a JSON object (the header), then the raw file bytes to the
/// end of the message</c>. Pure functions of bytes; the emulator has its own, independent parser of the same layout.
/// </summary>
internal static class BinaryFileFrame
{
    /// <summary>First byte: a UTF-8 continuation byte, so no JSON message (text or binary) can start with it.</summary>
    public const byte Marker = 0xB1;

    /// <summary>Marker, reserved byte, u16 header length.</summary>
    public const int PrefixLength = 4;

    /// <summary>Largest header either side accepts.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>Whether a binary message is meant as an envelope (its first byte is the marker).</summary>
    public static bool IsEnvelope(in ReadOnlySequence<byte> message)
    {
        ReadOnlySpan<byte> first = message.FirstSpan;
        return !first.IsEmpty && first[0] == Marker;
    }

    /// <summary>Writes the prefix for a header of <paramref name="headerLength"/> bytes.</summary>
    public static void WritePrefix(Span<byte> destination, int headerLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(headerLength, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(headerLength, MaxHeaderBytes);
        destination[0] = Marker;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)headerLength);
    }

    /// <summary>
    /// Splits an envelope into header and data (views of <paramref name="message"/>); false when its prefix is broken
    /// (wrong marker, non-zero reserved byte, a header length outside 2..<see cref="MaxHeaderBytes"/> or past the end)
    /// or its header is not valid UTF-8 (the frame reader may then rely on it).
    /// </summary>
    public static bool TrySplit(in ReadOnlySequence<byte> message, out ReadOnlySequence<byte> header, out ReadOnlySequence<byte> data)
    {
        header = default;
        data = default;
        if (message.Length < PrefixLength)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[PrefixLength];
        message.Slice(0, PrefixLength).CopyTo(prefix);
        int headerLength = BinaryPrimitives.ReadUInt16BigEndian(prefix[2..]);
        if (prefix[0] != Marker || prefix[1] != 0 || headerLength < 2 || headerLength > MaxHeaderBytes || message.Length - PrefixLength < headerLength)
        {
            return false;
        }

        header = message.Slice(PrefixLength, headerLength);
        if (!WebSocket.Utf8Validation.IsValid(header))
        {
            header = default;
            return false;
        }

        data = message.Slice(PrefixLength + headerLength);
        return true;
    }
}
