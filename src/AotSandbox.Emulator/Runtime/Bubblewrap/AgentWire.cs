using System.Buffers.Binary;
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

    public const byte Spawn = 0x01, Stdin = 0x02, StdinEof = 0x03, SignalTree = 0x04, FileRead = 0x05,
        FileWrite = 0x06, FileList = 0x07, Ping = 0x08, OutputAck = 0x09;

    public const byte Spawned = 0x81, Output = 0x82, Exit = 0x83, StdinCredit = 0x84, FileData = 0x85,
        FileWritten = 0x86, FileEntries = 0x87, Error = 0x88, Pong = 0x89, Log = 0x8A;

    public static void WriteHeader(Span<byte> destination, byte type, uint id, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(5 + payloadLength));
        destination[4] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[5..], id);
    }

    /// <summary>Decodes an error payload: u8 name length, errno name, message.</summary>
    public static (string Code, string Message) DecodeError(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 0)
            return ("EIO", "unknown error");
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
            throw new SandboxFileException("EINVAL", "empty path");
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length > MaxPathBytes)
            throw new SandboxFileException("ENAMETOOLONG", "path longer than 4096 bytes");
        return bytes;
    }
}
