using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>Frame layout and message types of the agent protocol (agent/AGENT-CHANNEL.md). Little-endian throughout.</summary>
internal static class AgentWire
{
    /// <summary>u32 length + u8 type + u32 id.</summary>
    public const int HeaderSize = 9;

    /// <summary>Largest payload either side accepts (agent's MAX_PAYLOAD).</summary>
    public const int MaxPayload = (1024 * 1024) + 64;

    /// <summary>Largest file chunk per read/write request (the agent caps reads at this).</summary>
    public const int MaxFileChunk = 1024 * 1024;

    /// <summary>Per-exec stdin bytes in flight before the agent must credit some (agent's STDIN_WINDOW).</summary>
    public const int StdinWindow = 1024 * 1024;

    /// <summary>Stdin frames are cut to this size so credits flow back steadily.</summary>
    public const int StdinChunk = 64 * 1024;

    public const int MaxPathBytes = 4096;

    /// <summary>Largest output chunk the agent sends (its MAX_OUTPUT_CHUNK).</summary>
    public const int MaxOutputChunk = 64 * 1024;

    /// <summary>
    /// The most unacknowledged output an honest agent can have sent for one exec: it reads an exec's pipes while less
    /// than <see cref="OutputWindow"/> is unacknowledged, and one poll round may then read a chunk from stdout and
    /// another from stderr. More than this is a hostile or broken agent. (One chunk of slack was too little: a command
    /// flooding both streams failed its sandbox.)
    /// </summary>
    public const int MaxUnacknowledgedOutput = OutputWindow + (2 * MaxOutputChunk);

    /// <summary>Per-exec output the agent may have sent but not had acknowledged (its OUTPUT_WINDOW).</summary>
    public const int OutputWindow = 512 * 1024;

    /// <summary>Largest error payload (the agent formats errors into 512 bytes).</summary>
    public const int MaxErrorPayload = 512;

    /// <summary>Largest log payload (the agent formats logs into 1 KiB).</summary>
    public const int MaxLogPayload = 1024;

    public const byte Spawn = 0x01, Stdin = 0x02, StdinEof = 0x03, SignalTree = 0x04, FileRead = 0x05,
        FileWrite = 0x06, FileList = 0x07, Ping = 0x08, OutputAck = 0x09, SpawnPty = 0x0A, Resize = 0x0B,
        SetEnv = 0x0C;

    /// <summary>The u16 rows + u16 cols payload of <see cref="SpawnPty"/> (before the command) and <see cref="Resize"/>.</summary>
    public static void WriteTerminalSize(Span<byte> destination, TerminalSize size)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)size.Rows);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)size.Columns);
    }

    public const byte Spawned = 0x81, Output = 0x82, Exit = 0x83, StdinCredit = 0x84, FileData = 0x85,
        FileWritten = 0x86, FileEntries = 0x87, Error = 0x88, Pong = 0x89, Log = 0x8A;

    public static void WriteHeader(Span<byte> destination, byte type, uint id, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(5 + payloadLength));
        destination[4] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[5..], id);
    }

    /// <summary>
    /// Checks one event frame from the agent against the protocol: a known type whose payload has that type's size.
    /// The agent shares a uid with sandbox code, so its channel is untrusted input; returns null when the frame is
    /// well-formed, else what is wrong with it (the caller fails the sandbox).
    /// </summary>
    public static string? Validate(byte type, int payloadLength) => type switch
    {
        Spawned or Exit or StdinCredit => payloadLength == 4 ? null : Wrong(type, payloadLength, "4 bytes"),
        Output => payloadLength is >= 2 and <= 1 + MaxOutputChunk ? null : Wrong(type, payloadLength, "2 to 65537 bytes"),
        FileData => payloadLength is >= 8 and <= 8 + MaxFileChunk ? null : Wrong(type, payloadLength, "8 bytes + at most 1 MiB"),
        FileWritten => payloadLength == 8 ? null : Wrong(type, payloadLength, "8 bytes"),
        FileEntries => payloadLength >= 1 ? null : Wrong(type, payloadLength, "at least 1 byte"),
        Error => payloadLength is >= 1 and <= MaxErrorPayload ? null : Wrong(type, payloadLength, "1 to 512 bytes"),
        Pong => payloadLength == 0 ? null : Wrong(type, payloadLength, "no payload"),
        Log => payloadLength <= MaxLogPayload ? null : Wrong(type, payloadLength, "at most 1024 bytes"),
        _ => string.Create(CultureInfo.InvariantCulture, $"unknown event type 0x{type:x2}"),
    };

    private static string Wrong(byte type, int length, string expected) =>
        string.Create(CultureInfo.InvariantCulture, $"event 0x{type:x2} with a {length}-byte payload (expected {expected})");

    /// <summary>Decodes an error payload: u8 name length, errno name, message.</summary>
    public static (string Code, string Message) DecodeError(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 0)
        {
            return ("EIO", "unknown error");
        }

        var nameLength = Math.Min(payload[0], payload.Length - 1);
        var code = Encoding.ASCII.GetString(payload.Slice(1, nameLength));
        var message = Encoding.UTF8.GetString(payload[(1 + nameLength)..]);
        return (code, message);
    }

    /// <summary>Encodes a sandbox path; empty and over-long paths are refused here with the agent's errno names.</summary>
    public static byte[] EncodePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw new SandboxFileException("EINVAL", "empty path");
        }

        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length > MaxPathBytes)
        {
            throw new SandboxFileException("ENAMETOOLONG", "path longer than 4096 bytes");
        }

        return bytes;
    }
}
