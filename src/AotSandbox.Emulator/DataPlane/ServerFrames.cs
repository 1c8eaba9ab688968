using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// Builds every server → client frame as UTF-8 JSON bytes (one text message each). Field names and shapes follow
/// docs/PROTOCOL.md §3.5 plus the opt-in extension fields of §4. Text <c>exec.output</c>, the one frame built per chunk
/// of a stream, has its own builder (<see cref="ExecOutputFrames"/>).
/// </summary>
internal static class ServerFrames
{
    // Non-ASCII stays raw UTF-8 (valid JSON; HTML-safety escaping only bloats frames and is irrelevant here).
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static byte[] AuthOk(string sandboxId) => Build(w =>
    {
        w.WriteString("type", "auth.ok");
        w.WriteString("sandboxId", sandboxId);
    });

    public static byte[] AuthError(string message) => Build(w =>
    {
        w.WriteString("type", "auth.error");
        w.WriteString("message", message);
    });

    /// <summary>
    /// Output of a terminal exec (<c>exec.pty</c> extension): raw bytes, base64 with <c>encoding:"base64"</c>, since a
    /// terminal's output is not UTF-8-clean (escape sequences, split characters) and must reach the client unchanged.
    /// </summary>
    public static byte[] ExecOutputBytes(string execId, ReadOnlySpan<byte> data)
    {
        var buffer = new ArrayBufferWriter<byte>((data.Length * 4 / 3) + 128);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", "exec.output");
            w.WriteString("execId", execId);
            w.WriteString("stream", "stdout");
            w.WriteBase64String("data", data);
            w.WriteString("encoding", "base64");
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ExecExit(string execId, int exitCode) => Build(w =>
    {
        w.WriteString("type", "exec.exit");
        w.WriteString("execId", execId);
        w.WriteNumber("exitCode", exitCode);
    });

    public static byte[] ExecDetached(string execId, int pid, long startedAtMs) => Build(w =>
    {
        w.WriteString("type", "exec.detached");
        w.WriteString("execId", execId);
        w.WriteNumber("pid", pid);
        w.WriteNumber("startedAt", startedAtMs);
    });

    /// <summary><paramref name="replay"/> adds the exec.replay fields (exited, exitCode, replayTruncated); without it the frame is exactly docs/PROTOCOL.md §3.5's.</summary>
    public static byte[] ExecInfo(string execId, string command, int pid, long startedAtMs, bool detached, ReplayState? replay) => Build(w =>
    {
        w.WriteString("type", "exec.info");
        w.WriteString("execId", execId);
        w.WriteString("command", command);
        w.WriteNumber("pid", pid);
        w.WriteNumber("startedAt", startedAtMs);
        w.WriteBoolean("detached", detached);
        if (replay is { } state)
        {
            w.WriteBoolean("exited", state.ExitCode.HasValue);
            if (state.ExitCode is int code)
            {
                w.WriteNumber("exitCode", code);
            }

            w.WriteBoolean("replayTruncated", state.Truncated);
        }
    });

    /// <summary>
    /// Whole-file content, or a range when <paramref name="range"/> is given (file.range extension). The fields are written
    /// by Utf8JsonWriter around an empty <c>content</c>; the base64 then goes straight into the frame's own array between
    /// the two halves, so a 512 KiB chunk costs its frame and no zeroed buffer copied out at the end.
    /// </summary>
    public static byte[] FileContent(string execId, ReadOnlySpan<byte> content, FileRange? range)
    {
        var fields = new ArrayBufferWriter<byte>(256);
        int contentAt;
        using (var w = new Utf8JsonWriter(fields, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", "file.content");
            w.WriteString("execId", execId);
            w.WriteString("content", string.Empty);
            w.Flush();
            contentAt = fields.WrittenCount - 1; // between the empty value's quotes
            w.WriteString("encoding", "base64");
            if (range is { } r)
            {
                w.WriteNumber("offset", r.Offset);
                w.WriteNumber("size", r.FileSize);
                w.WriteBoolean("eof", r.Offset + content.Length >= r.FileSize);
            }

            w.WriteEndObject();
        }

        ReadOnlySpan<byte> head = fields.WrittenSpan[..contentAt];
        ReadOnlySpan<byte> tail = fields.WrittenSpan[contentAt..];
        int encodedLength = Base64.GetMaxEncodedToUtf8Length(content.Length);
        byte[] frame = GC.AllocateUninitializedArray<byte>(head.Length + encodedLength + tail.Length);
        head.CopyTo(frame);
        Base64.EncodeToUtf8(content, frame.AsSpan(head.Length, encodedLength), out _, out int written);
        tail.CopyTo(frame.AsSpan(head.Length + written));
        return frame;
    }

    public static byte[] FileWriteResult(string execId, string path, long size) => Build(w =>
    {
        w.WriteString("type", "file.writeResult");
        w.WriteString("execId", execId);
        w.WriteString("path", path);
        w.WriteNumber("size", size);
        w.WriteBoolean("ok", true);
    });

    public static byte[] FileEntries(string execId, IReadOnlyList<Runtime.SandboxFileEntry> entries) => Build(w =>
    {
        w.WriteString("type", "file.entries");
        w.WriteString("execId", execId);
        w.WriteStartArray("entries");
        foreach (Runtime.SandboxFileEntry entry in entries)
        {
            w.WriteStartObject();
            w.WriteString("name", entry.Name);
            w.WriteString("type", entry.IsDirectory ? "directory" : "file");
            if (!entry.IsDirectory)
            {
                w.WriteNumber("size", entry.Size);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    /// <summary>An <c>error</c> frame; <paramref name="execId"/> is omitted when the offending frame had none.</summary>
    public static byte[] Error(string? execId, string code, string message) => Build(w =>
    {
        w.WriteString("type", "error");
        if (execId is not null)
        {
            w.WriteString("execId", execId);
        }

        w.WriteString("code", code);
        w.WriteString("message", message);
    });

    private static byte[] Build(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>The replay-extension part of <c>exec.info</c>.</summary>
internal readonly record struct ReplayState(int? ExitCode, bool Truncated);

/// <summary>The file.range part of <c>file.content</c>.</summary>
internal readonly record struct FileRange(long Offset, long FileSize);
