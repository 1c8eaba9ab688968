using System.Text.Json;

namespace AotSandbox.Protocol;

/// <summary>
/// Encodes every client → server frame (docs/PROTOCOL.md §3.4) with a <see cref="Utf8JsonWriter"/>. Synchronous and
/// allocation-free: names are pre-encoded, binary data is base64-encoded straight into the output buffer.
/// </summary>
internal static class ClientFrameWriter
{
    // Encoded with the frame writer's own encoder: JsonEncodedText's default (JavaScriptEncoder.Default) would build
    // the relaxed encoder as well on a cold start (both are statics of one BCL class), which this avoids.
    private static readonly JsonEncodedText s_type = Name("type");
    private static readonly JsonEncodedText s_execId = Name("execId");
    private static readonly JsonEncodedText s_token = Name("token");
    private static readonly JsonEncodedText s_command = Name("command");
    private static readonly JsonEncodedText s_detached = Name("detached");
    private static readonly JsonEncodedText s_data = Name("data");
    private static readonly JsonEncodedText s_encoding = Name("encoding");
    private static readonly JsonEncodedText s_base64 = Name("base64");
    private static readonly JsonEncodedText s_signal = Name("signal");
    private static readonly JsonEncodedText s_replay = Name("replay");
    private static readonly JsonEncodedText s_path = Name("path");
    private static readonly JsonEncodedText s_content = Name("content");
    private static readonly JsonEncodedText s_offset = Name("offset");
    private static readonly JsonEncodedText s_length = Name("length");
    private static readonly JsonEncodedText s_pty = Name("pty");
    private static readonly JsonEncodedText s_rows = Name("rows");
    private static readonly JsonEncodedText s_cols = Name("cols");
    private static readonly JsonEncodedText s_execResize = Name("exec.resize");
    private static readonly JsonEncodedText s_binary = Name("binary");

    private static readonly JsonEncodedText s_auth = Name("auth");
    private static readonly JsonEncodedText s_execRun = Name("exec.run");
    private static readonly JsonEncodedText s_execInput = Name("exec.input");
    private static readonly JsonEncodedText s_execEndInput = Name("exec.endInput");
    private static readonly JsonEncodedText s_execKill = Name("exec.kill");
    private static readonly JsonEncodedText s_execGet = Name("exec.get");
    private static readonly JsonEncodedText s_fileRead = Name("file.read");
    private static readonly JsonEncodedText s_fileWrite = Name("file.write");
    private static readonly JsonEncodedText s_fileList = Name("file.list");

    /// <summary><c>{"type":"auth","token":…}</c>: exactly these two fields.</summary>
    public static void WriteAuth(Utf8JsonWriter writer, string token)
    {
        writer.WriteStartObject();
        writer.WriteString(s_type, s_auth);
        writer.WriteString(s_token, token);
        writer.WriteEndObject();
    }

    /// <summary><c>exec.run</c>; <c>detached</c> is only written when true.</summary>
    public static void WriteExecRun(Utf8JsonWriter writer, string execId, string command, bool detached)
    {
        Start(writer, s_execRun, execId);
        writer.WriteString(s_command, command);
        if (detached)
        {
            writer.WriteBoolean(s_detached, true);
        }

        writer.WriteEndObject();
    }

    /// <summary><c>exec.run</c> on a terminal (<c>exec.pty</c> extension): <c>"pty":{"rows":R,"cols":C}</c>; never detached.</summary>
    public static void WriteExecRunPty(Utf8JsonWriter writer, string execId, string command, int rows, int cols)
    {
        Start(writer, s_execRun, execId);
        writer.WriteString(s_command, command);
        writer.WriteStartObject(s_pty);
        writer.WriteNumber(s_rows, rows);
        writer.WriteNumber(s_cols, cols);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary><c>exec.resize</c> (<c>exec.pty</c> extension): the terminal's new size.</summary>
    public static void WriteExecResize(Utf8JsonWriter writer, string execId, int rows, int cols)
    {
        Start(writer, s_execResize, execId);
        writer.WriteNumber(s_rows, rows);
        writer.WriteNumber(s_cols, cols);
        writer.WriteEndObject();
    }

    /// <summary><c>exec.input</c> with text, sent as-is (no <c>encoding</c>).</summary>
    public static void WriteExecInput(Utf8JsonWriter writer, string execId, ReadOnlySpan<char> text)
    {
        Start(writer, s_execInput, execId);
        writer.WriteString(s_data, text);
        writer.WriteEndObject();
    }

    /// <summary><c>exec.input</c> with bytes, base64-encoded with <c>encoding:"base64"</c>.</summary>
    public static void WriteExecInput(Utf8JsonWriter writer, string execId, ReadOnlySpan<byte> bytes)
    {
        Start(writer, s_execInput, execId);
        writer.WriteBase64String(s_data, bytes);
        writer.WriteString(s_encoding, s_base64);
        writer.WriteEndObject();
    }

    public static void WriteExecEndInput(Utf8JsonWriter writer, string execId)
    {
        Start(writer, s_execEndInput, execId);
        writer.WriteEndObject();
    }

    /// <summary><c>exec.kill</c>; the signal is always explicit, as the reference clients send it.</summary>
    public static void WriteExecKill(Utf8JsonWriter writer, string execId, string signal)
    {
        Start(writer, s_execKill, execId);
        writer.WriteString(s_signal, signal);
        writer.WriteEndObject();
    }

    /// <summary><c>exec.get</c>; <c>replay</c> is written only when asked (and only sent when the server advertises <c>exec.replay</c>).</summary>
    public static void WriteExecGet(Utf8JsonWriter writer, string execId, bool replay)
    {
        Start(writer, s_execGet, execId);
        if (replay)
        {
            writer.WriteBoolean(s_replay, true);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>file.read</c>; <c>offset</c>/<c>length</c> only for the <c>file.range</c> extension, <c>binary</c> (written only
    /// when true) only for <c>file.binary</c>: the answer is then a binary message (docs/PROTOCOL.md §4.7).
    /// </summary>
    public static void WriteFileRead(Utf8JsonWriter writer, string execId, string path, long? offset = null, int? length = null, bool binary = false)
    {
        Start(writer, s_fileRead, execId);
        writer.WriteString(s_path, path);
        if (offset is { } o)
        {
            writer.WriteNumber(s_offset, o);
        }

        if (length is { } l)
        {
            writer.WriteNumber(s_length, l);
        }

        if (binary)
        {
            writer.WriteBoolean(s_binary, true);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// The JSON header of a binary <c>file.write</c> (<c>file.binary</c>, docs/PROTOCOL.md §4.7): the text frame's fields
    /// without <c>content</c> and <c>encoding</c>; the bytes follow the header in the same message.
    /// </summary>
    public static void WriteFileWriteHeader(Utf8JsonWriter writer, string execId, string path, long? offset = null)
    {
        Start(writer, s_fileWrite, execId);
        writer.WriteString(s_path, path);
        if (offset is { } o)
        {
            writer.WriteNumber(s_offset, o);
        }

        writer.WriteEndObject();
    }

    /// <summary><c>file.write</c>: content always base64; <c>offset</c> only for the <c>file.range</c> extension.</summary>
    public static void WriteFileWrite(Utf8JsonWriter writer, string execId, string path, ReadOnlySpan<byte> content, long? offset = null)
    {
        Start(writer, s_fileWrite, execId);
        writer.WriteString(s_path, path);
        writer.WriteBase64String(s_content, content);
        writer.WriteString(s_encoding, s_base64);
        if (offset is { } o)
        {
            writer.WriteNumber(s_offset, o);
        }

        writer.WriteEndObject();
    }

    public static void WriteFileList(Utf8JsonWriter writer, string execId, string path)
    {
        Start(writer, s_fileList, execId);
        writer.WriteString(s_path, path);
        writer.WriteEndObject();
    }

    private static void Start(Utf8JsonWriter writer, JsonEncodedText type, string execId)
    {
        writer.WriteStartObject();
        writer.WriteString(s_type, type);
        writer.WriteString(s_execId, execId);
    }

    private static JsonEncodedText Name(string name) => JsonEncodedText.Encode(name, DeferredRelaxedJsonEncoder.Instance);
}
