using System.Buffers;
using System.Text.Json;

namespace AotSandbox.Protocol;

/// <summary>
/// Parses one server message into a <see cref="ServerFrame"/>. A pure function of the bytes: no I/O, no allocation
/// (except on garbage input, where the JSON reader throws), unknown fields skipped, and anything that is not a JSON object
/// with a string <c>type</c> rejected so the caller can ignore it (docs/PROTOCOL.md §3.3).
/// </summary>
internal static class ServerFrameReader
{
    /// <summary>Parses a contiguous message.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out ServerFrame frame) => TryRead(json, knownValidUtf8: false, out frame);

    /// <summary>
    /// Parses a contiguous message; <paramref name="knownValidUtf8"/> true only when the caller has validated the whole
    /// message as UTF-8 (see <see cref="ExecOutputScanner.TryScan(ReadOnlySpan{byte}, bool, ref ServerFrame)"/>): the
    /// fast path then skips its own per-string check. The general path always validates, whatever the flag says.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, bool knownValidUtf8, out ServerFrame frame)
    {
        frame = default;
        if (ExecOutputScanner.TryScan(json, knownValidUtf8, ref frame))
        {
            return true;
        }

        frame = default;
        return TryReadWithJsonReader(json, out frame);
    }

    /// <summary>The general path (every frame type), without the exec.output fast path; tests compare the two.</summary>
    internal static bool TryReadWithJsonReader(ReadOnlySpan<byte> json, out ServerFrame frame)
    {
        frame = default;
        try
        {
            return TryReadCore(json, ref frame);
        }
        catch (JsonException)
        {
            frame = default;
            return false;
        }
        catch (InvalidOperationException)
        {
            // Thrown when an escaped name or value holds a lone surrogate (\udc00): valid JSON syntax that the reader
            // refuses to decode. Found by fuzzing; such a frame is dropped like any other malformed one.
            frame = default;
            return false;
        }
    }

    /// <summary>
    /// Parses a message that may span several buffers; a multi-segment one is first copied into <paramref name="scratch"/>
    /// (grown from the array pool when too small) because the frame's fields are spans into one contiguous buffer.
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> json, ref byte[] scratch, out ServerFrame frame)
        => TryRead(json, knownValidUtf8: false, ref scratch, out frame);

    /// <summary>As above; <paramref name="knownValidUtf8"/> as in <see cref="TryRead(ReadOnlySpan{byte}, bool, out ServerFrame)"/>.</summary>
    public static bool TryRead(in ReadOnlySequence<byte> json, bool knownValidUtf8, ref byte[] scratch, out ServerFrame frame)
    {
        if (json.IsSingleSegment)
        {
            return TryRead(json.FirstSpan, knownValidUtf8, out frame);
        }

        int length = checked((int)json.Length);
        if (scratch.Length < length)
        {
            byte[] old = scratch;
            scratch = ArrayPool<byte>.Shared.Rent(length);
            if (old.Length != 0)
            {
                ArrayPool<byte>.Shared.Return(old);
            }
        }

        json.CopyTo(scratch);
        return TryRead(scratch.AsSpan(0, length), knownValidUtf8, out frame);
    }

    private static bool TryReadCore(ReadOnlySpan<byte> json, ref ServerFrame frame)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        bool hasType = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                // The outer object is complete; trailing bytes are not our concern.
                return hasType;
            }

            // reader is on a property name.
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    frame.TypeName = Text(ref reader, json);
                    frame.Type = Classify(ref reader);
                    hasType = true;
                }
                else
                {
                    reader.Skip();
                }

                continue;
            }

            if (!TryReadField(ref reader, json, ref frame))
            {
                reader.Read();
                reader.Skip();
            }
        }

        return false;
    }

    /// <summary>Reads a known field (name token current); returns false when the name is unknown (nothing consumed).</summary>
    private static bool TryReadField(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ref ServerFrame frame)
    {
        if (reader.ValueTextEquals("execId"u8))
        {
            reader.Read();
            frame.ExecId = StringOrEmpty(ref reader, json);
        }
        else if (reader.ValueTextEquals("data"u8))
        {
            reader.Read();
            frame.Data = StringOrEmpty(ref reader, json);
        }
        else if (reader.ValueTextEquals("stream"u8))
        {
            reader.Read();
            frame.Stream = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("stderr"u8) ? OutputStream.Stderr : OutputStream.Stdout;
        }
        else if (reader.ValueTextEquals("exitCode"u8))
        {
            reader.Read();
            frame.ExitCode = ServerFrame.ReadInt32(ref reader);
        }
        else if (reader.ValueTextEquals("sandboxId"u8))
        {
            reader.Read();
            frame.SandboxId = StringOrEmpty(ref reader, json);
        }
        else if (reader.ValueTextEquals("pid"u8))
        {
            reader.Read();
            frame.Pid = ServerFrame.ReadInt64(ref reader);
        }
        else if (reader.ValueTextEquals("startedAt"u8))
        {
            reader.Read();
            frame.StartedAt = ServerFrame.ReadDouble(ref reader);
        }
        else if (reader.ValueTextEquals("command"u8))
        {
            reader.Read();
            frame.Command = StringOrEmpty(ref reader, json);
        }
        else if (reader.ValueTextEquals("detached"u8))
        {
            reader.Read();
            frame.Detached = ServerFrame.ReadBoolean(ref reader);
        }
        else if (reader.ValueTextEquals("content"u8))
        {
            reader.Read();
            frame.Content = StringOrEmpty(ref reader, json);
        }
        else if (reader.ValueTextEquals("encoding"u8))
        {
            reader.Read();
            frame.Encoding = StringOrEmpty(ref reader, json);
        }
        else if (reader.ValueTextEquals("path"u8))
        {
            reader.Read();
            frame.Path = StringOrEmpty(ref reader, json);
        }
        else if (reader.ValueTextEquals("size"u8))
        {
            reader.Read();
            frame.Size = ServerFrame.ReadInt64(ref reader);
        }
        else if (reader.ValueTextEquals("ok"u8))
        {
            reader.Read();
            frame.Ok = ServerFrame.ReadBoolean(ref reader);
        }
        else if (reader.ValueTextEquals("entries"u8))
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                frame.Entries = json[start..(int)reader.BytesConsumed];
            }
            else
            {
                reader.Skip();
            }
        }
        else if (reader.ValueTextEquals("code"u8))
        {
            reader.Read();
            frame.Code = StringOrEmpty(ref reader, json);
        }
        else if (reader.ValueTextEquals("message"u8))
        {
            reader.Read();
            frame.Message = StringOrEmpty(ref reader, json);
        }
        else if (reader.ValueTextEquals("offset"u8))
        {
            reader.Read();
            frame.Offset = ServerFrame.ReadInt64(ref reader);
        }
        else if (reader.ValueTextEquals("eof"u8))
        {
            reader.Read();
            frame.Eof = ServerFrame.ReadBoolean(ref reader);
        }
        else if (reader.ValueTextEquals("exited"u8))
        {
            reader.Read();
            frame.Exited = ServerFrame.ReadBoolean(ref reader);
        }
        else if (reader.ValueTextEquals("replayTruncated"u8))
        {
            reader.Read();
            frame.ReplayTruncated = ServerFrame.ReadBoolean(ref reader);
        }
        else
        {
            return false;
        }

        // A known name with a container value of the wrong kind: step over it so the loop stays on property names.
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }

        return true;
    }

    private static FrameType Classify(scoped ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("exec.output"u8))
        {
            return FrameType.ExecOutput;
        }

        if (reader.ValueTextEquals("exec.exit"u8))
        {
            return FrameType.ExecExit;
        }

        if (reader.ValueTextEquals("exec.detached"u8))
        {
            return FrameType.ExecDetached;
        }

        if (reader.ValueTextEquals("exec.info"u8))
        {
            return FrameType.ExecInfo;
        }

        if (reader.ValueTextEquals("file.content"u8))
        {
            return FrameType.FileContent;
        }

        if (reader.ValueTextEquals("file.writeResult"u8))
        {
            return FrameType.FileWriteResult;
        }

        if (reader.ValueTextEquals("file.entries"u8))
        {
            return FrameType.FileEntries;
        }

        if (reader.ValueTextEquals("error"u8))
        {
            return FrameType.Error;
        }

        if (reader.ValueTextEquals("auth.ok"u8))
        {
            return FrameType.AuthOk;
        }

        return FrameType.Unknown;
    }

    private static JsonText StringOrEmpty(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
        => reader.TokenType == JsonTokenType.String ? Text(ref reader, json) : default;

    private static JsonText Text(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
        => new(json.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2), reader.ValueIsEscaped);
}
