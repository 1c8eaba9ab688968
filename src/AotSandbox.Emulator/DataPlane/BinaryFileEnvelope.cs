using System.Buffers.Binary;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// The binary message of the <c>file.binary</c> extension (docs/PROTOCOL.md §4.7), as a pure function of its bytes:
/// <c>u8 0xB1, u8 0 (reserved), u16 big-endian header length H, H bytes of a JSON object (the header), then raw file
/// bytes to the end of the message</c>. The client is untrusted and the emulator is root: every field is checked here,
/// before anything else looks at the message.
/// </summary>
internal static class BinaryFileEnvelope
{
    /// <summary>First byte of every such message: a UTF-8 continuation byte, so no JSON message (text or binary) starts with it.</summary>
    public const byte Marker = 0xB1;

    /// <summary>Marker, reserved byte, u16 header length.</summary>
    public const int PrefixLength = 4;

    /// <summary>
    /// Largest header: a <c>path</c> of 4096 characters, each escaped at worst as <c>\uXXXX</c>, plus an 128-character
    /// <c>execId</c> and the other fields, fits.
    /// </summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>Whether a message is meant as a binary envelope (the caller then parses it with <see cref="TryParse"/>).</summary>
    public static bool IsEnvelope(ReadOnlySpan<byte> message) => message.Length > 0 && message[0] == Marker;

    /// <summary>
    /// Splits <paramref name="message"/> into its header and data. Returns null when it is a well-formed envelope, else
    /// what is wrong with it (the connection is then closed with 4004: the envelope itself is broken).
    /// </summary>
    public static string? TryParse(ReadOnlySpan<byte> message, out Range header, out Range data)
    {
        header = default;
        data = default;
        if (message.Length < PrefixLength)
        {
            return "binary message shorter than its 4-byte prefix";
        }

        if (message[0] != Marker)
        {
            return "binary message without the 0xB1 marker";
        }

        if (message[1] != 0)
        {
            return "binary message with a non-zero reserved byte (unknown envelope version)";
        }

        int headerLength = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
        {
            return $"binary header length {headerLength} outside 2..{MaxHeaderBytes}";
        }

        if (message.Length - PrefixLength < headerLength)
        {
            return $"binary header length {headerLength} beyond the message's {message.Length - PrefixLength} bytes";
        }

        if (!System.Text.Unicode.Utf8.IsValid(message.Slice(PrefixLength, headerLength)))
        {
            // The JSON reader does not check the UTF-8 of values it skips; a header is text, so it is checked whole here.
            return "binary header is not valid UTF-8";
        }

        header = PrefixLength..(PrefixLength + headerLength);
        data = (PrefixLength + headerLength)..message.Length;
        return null;
    }

    /// <summary>Writes the prefix for a header of <paramref name="headerLength"/> bytes (server → client messages).</summary>
    public static void WritePrefix(Span<byte> destination, int headerLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(headerLength, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(headerLength, MaxHeaderBytes);
        destination[0] = Marker;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)headerLength);
    }
}
