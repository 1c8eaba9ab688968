using System.Text.Json;

namespace AotSandbox.Protocol;

/// <summary>
/// One parsed server frame: a view over the message bytes (valid only while they are), with every field the protocol
/// defines. Absent fields are empty/<see langword="null"/>; the reader applies no defaults except <see cref="Stream"/> (stdout).
/// </summary>
internal ref struct ServerFrame
{
    public FrameType Type;

    /// <summary>The <c>type</c> value itself (for diagnostics of unknown types).</summary>
    public JsonText TypeName;

    public JsonText ExecId;
    public JsonText SandboxId;

    /// <summary><c>exec.output</c>: which stream; a missing or unknown <c>stream</c> means stdout.</summary>
    public OutputStream Stream;

    /// <summary><c>exec.output</c>: the text; absent means empty.</summary>
    public JsonText Data;

    public int? ExitCode;
    public long? Pid;
    public double? StartedAt;
    public JsonText Command;
    public bool? Detached;

    /// <summary><c>exec.info</c> with the <c>exec.replay</c> extension: whether the command has already exited.</summary>
    public bool? Exited;
    public bool? ReplayTruncated;

    public JsonText Path;
    public JsonText Content;
    public JsonText Encoding;
    public long? Size;
    public bool? Ok;

    /// <summary><c>file.content</c> with the <c>file.range</c> extension.</summary>
    public long? Offset;
    public bool? Eof;

    /// <summary><c>file.entries</c>: the raw JSON array, parsed on demand by <see cref="FileEntriesParser"/>.</summary>
    public ReadOnlySpan<byte> Entries;

    public JsonText Code;
    public JsonText Message;

    /// <summary>Whether <see cref="Encoding"/> says base64.</summary>
    public readonly bool IsBase64 => Encoding.ValueEquals("base64"u8);

    internal static int? ReadInt32(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            return null;
        }

        if (reader.TryGetInt32(out int value))
        {
            return value;
        }

        return reader.TryGetDouble(out double d) && d >= int.MinValue && d <= int.MaxValue ? (int)d : null;
    }

    internal static long? ReadInt64(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            return null;
        }

        if (reader.TryGetInt64(out long value))
        {
            return value;
        }

        return reader.TryGetDouble(out double d) && d >= long.MinValue && d <= long.MaxValue ? (long)d : null;
    }

    internal static double? ReadDouble(ref Utf8JsonReader reader)
        => reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double d) ? d : null;

    internal static bool? ReadBoolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => null,
    };
}
