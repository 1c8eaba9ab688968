using System.Text.Json;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// Parses one client message with <see cref="Utf8JsonReader"/>: bytes in, <see cref="ClientFrame"/> out, no state.
/// Returns null for anything that is not a JSON object with a string <c>type</c> (the caller closes with 4004).
/// Unknown fields are skipped; for duplicate fields the last one wins.
/// </summary>
internal static class ClientFrameParser
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow };

    public static ClientFrame? Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return ParseCore(utf8);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // Thrown by Get* when a token's value does not fit (e.g. a huge number); treat as malformed.
            return null;
        }
    }

    private static ClientFrame? ParseCore(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, isFinalBlock: true, new JsonReaderState(Options));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? type = null, execId = null, token = null, command = null, data = null, encoding = null,
            signal = null, path = null, invalid = null;
        byte[]? content = null;
        bool detached = false, replay = false, pty = false, binary = false;
        long? offset = null, length = null, rows = null, cols = null;

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                // Anything after the closing brace (a second value) makes the message malformed.
                return reader.Read() || type is null ? null : new ClientFrame
                {
                    Type = Classify(type),
                    TypeName = type,
                    ExecId = execId,
                    Token = token,
                    Command = command,
                    Detached = detached,
                    Data = data,
                    Encoding = encoding,
                    Signal = signal,
                    Replay = replay,
                    Path = path,
                    Content = content,
                    Offset = offset,
                    Length = length,
                    InvalidField = invalid,
                    PtyRequested = pty,
                    Rows = rows,
                    Cols = cols,
                    Binary = binary,
                };
            }

            string name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "type":
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return null;
                    }

                    type = reader.GetString();
                    break;
                case "execId": execId = ReadString(ref reader, name, ref invalid); break;
                case "token": token = ReadString(ref reader, name, ref invalid); break;
                case "command": command = ReadString(ref reader, name, ref invalid); break;
                case "data": data = ReadString(ref reader, name, ref invalid); break;
                case "encoding": encoding = ReadString(ref reader, name, ref invalid); break;
                case "path": path = ReadString(ref reader, name, ref invalid); break;
                case "content": content = ReadUtf8(ref reader, name, ref invalid); break;
                case "detached": detached = ReadBool(ref reader, name, ref invalid); break;
                case "replay": replay = ReadBool(ref reader, name, ref invalid); break;
                case "binary": binary = ReadBool(ref reader, name, ref invalid); break;
                case "offset": offset = ReadInteger(ref reader, name, ref invalid); break;
                case "length": length = ReadInteger(ref reader, name, ref invalid); break;
                case "rows": rows = ReadInteger(ref reader, name, ref invalid); break;
                case "cols": cols = ReadInteger(ref reader, name, ref invalid); break;
                case "pty":
                    pty = reader.TokenType != JsonTokenType.Null;
                    if (pty && !ReadTerminalSize(ref reader, ref rows, ref cols))
                    {
                        invalid ??= name;
                    }

                    break;
                case "signal":
                    // Names are the norm; numbers 1..64 are accepted too (docs/PROTOCOL.md §3.12).
                    signal = reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.Number => reader.TryGetInt32(out int n) ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "invalid",
                        JsonTokenType.Null => null,
                        _ => Invalid(ref reader, name, ref invalid),
                    };
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return null;
    }

    private static ClientFrameType Classify(string type) => type switch
    {
        "auth" => ClientFrameType.Auth,
        "exec.run" => ClientFrameType.ExecRun,
        "exec.input" => ClientFrameType.ExecInput,
        "exec.endInput" => ClientFrameType.ExecEndInput,
        "exec.kill" => ClientFrameType.ExecKill,
        "exec.get" => ClientFrameType.ExecGet,
        "file.read" => ClientFrameType.FileRead,
        "file.write" => ClientFrameType.FileWrite,
        "file.list" => ClientFrameType.FileList,
        "exec.resize" => ClientFrameType.ExecResize,
        _ => ClientFrameType.Unknown,
    };

    /// <summary>
    /// The <c>pty</c> object of <c>exec.run</c>: <c>{"rows":R,"cols":C}</c>, unknown members skipped. Consumes the
    /// whole value; false when it is not an object or a size is not an integer (the range is the dispatcher's check).
    /// </summary>
    private static bool ReadTerminalSize(ref Utf8JsonReader reader, ref long? rows, ref long? cols)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        bool valid = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isRows = reader.ValueTextEquals("rows"u8), isCols = reader.ValueTextEquals("cols"u8);
            reader.Read();
            if ((isRows || isCols) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value))
            {
                if (isRows)
                {
                    rows = value;
                }
                else
                {
                    cols = value;
                }

                continue;
            }

            valid &= !(isRows || isCols);
            reader.Skip();
        }

        return valid;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, ref string? invalid) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => Invalid(ref reader, name, ref invalid),
    };

    /// <summary>A string's unescaped UTF-8 bytes, validated as <see cref="Utf8JsonReader.GetString"/> would.</summary>
    private static byte[]? ReadUtf8(ref Utf8JsonReader reader, string name, ref string? invalid)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                ReadOnlySpan<byte> raw = reader.ValueSpan; // one contiguous message: never a sequence
                byte[] bytes = new byte[raw.Length];
                int length = raw.Length;
                if (reader.ValueIsEscaped)
                {
                    length = reader.CopyString(bytes);
                }
                else
                {
                    raw.CopyTo(bytes);
                }

                if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(0, length)))
                {
                    throw new InvalidOperationException("invalid UTF-8 in a string"); // malformed, as GetString would say
                }

                return length == bytes.Length ? bytes : bytes.AsSpan(0, length).ToArray();
            case JsonTokenType.Null:
                return null;
            default:
                Invalid(ref reader, name, ref invalid);
                return null;
        }
    }

    private static bool ReadBool(ref Utf8JsonReader reader, string name, ref string? invalid)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True: return true;
            case JsonTokenType.False:
            case JsonTokenType.Null: return false;
            default:
                Invalid(ref reader, name, ref invalid);
                return false;
        }
    }

    private static long? ReadInteger(ref Utf8JsonReader reader, string name, ref string? invalid)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value))
        {
            return value;
        }

        Invalid(ref reader, name, ref invalid);
        return null;
    }

    private static string? Invalid(ref Utf8JsonReader reader, string name, ref string? invalid)
    {
        invalid ??= name;
        reader.Skip();
        return null;
    }
}
