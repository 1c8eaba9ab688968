using System.Buffers;
using System.Text.Unicode;

namespace AotSandbox.Protocol;

/// <summary>
/// The fast path of <see cref="ServerFrameReader"/> for the one frame that streams: a flat <c>exec.output</c> object
/// whose values are all strings. <see cref="System.Text.Json.Utf8JsonReader"/> validates a string byte by byte once it
/// holds an escape, and terminal output holds one per line (<c>\n</c>): profiled, that validation was 60 % of the
/// client's CPU while streaming. Here each string is checked with vectorized searches instead (quote/backslash,
/// control characters, UTF-8), to exactly the rules the reader applies.
/// </summary>
/// <remarks>
/// The scanner never rejects: anything it does not fully recognise — another frame type, a non-string value, an escape
/// in a key or in <c>type</c>/<c>stream</c>, malformed JSON — returns false and the caller parses the message with
/// <see cref="System.Text.Json.Utf8JsonReader"/> as before, which decides. So it can only accept frames the reader
/// would accept with the same fields.
/// </remarks>
internal static class ExecOutputScanner
{
    private static readonly SearchValues<byte> s_quoteOrBackslash = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> s_escapable = SearchValues.Create("\"\\/bfnrtu"u8);
    private static readonly SearchValues<byte> s_hexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    /// <summary>Reads <paramref name="json"/> as an exec.output frame if it is a flat object of string values.</summary>
    public static bool TryScan(ReadOnlySpan<byte> json, ref ServerFrame frame)
    {
        int i = SkipWhitespace(json, 0);
        if (i >= json.Length || json[i] != (byte)'{')
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        bool isOutput = false;
        while (i < json.Length && json[i] == (byte)'"')
        {
            if (!TryString(json, i, out int keyEnd, out bool keyEscaped) || keyEscaped)
            {
                return false;
            }

            ReadOnlySpan<byte> key = json[(i + 1)..keyEnd];
            i = SkipWhitespace(json, keyEnd + 1);
            if (i >= json.Length || json[i] != (byte)':')
            {
                return false;
            }

            i = SkipWhitespace(json, i + 1);
            if (i >= json.Length || json[i] != (byte)'"' || !TryString(json, i, out int valueEnd, out bool escaped))
            {
                return false; // a number, literal, object or array: the reader handles those
            }

            var value = new JsonText(json[i..(valueEnd + 1)], escaped);
            if (key.SequenceEqual("type"u8))
            {
                if (escaped || !value.Raw.SequenceEqual("exec.output"u8))
                {
                    return false;
                }

                frame.TypeName = value;
                isOutput = true;
            }
            else if (key.SequenceEqual("data"u8))
            {
                frame.Data = value;
            }
            else if (key.SequenceEqual("execId"u8))
            {
                frame.ExecId = value;
            }
            else if (key.SequenceEqual("stream"u8))
            {
                if (escaped)
                {
                    return false;
                }

                frame.Stream = value.Raw.SequenceEqual("stderr"u8) ? OutputStream.Stderr : OutputStream.Stdout;
            }
            else if (key.SequenceEqual("sandboxId"u8))
            {
                frame.SandboxId = value;
            }
            else if (IsOtherKnownField(key))
            {
                return false; // the reader would fill (or type-check) it: let it, so both paths agree on every field
            }

            i = SkipWhitespace(json, valueEnd + 1);
            if (i < json.Length && json[i] == (byte)',')
            {
                i = SkipWhitespace(json, i + 1);
                if (i >= json.Length || json[i] != (byte)'"')
                {
                    return false; // a trailing comma is invalid JSON
                }

                continue;
            }

            if (i < json.Length && json[i] == (byte)'}' && isOutput)
            {
                frame.Type = FrameType.ExecOutput;
                return true;
            }

            return false;
        }

        return false;
    }

    /// <summary>
    /// Finds the closing quote of the string starting at <paramref name="start"/> (its opening quote) and checks it as
    /// the JSON reader would: no raw control character, only the defined escapes, four hex digits after <c>\u</c>, UTF-8.
    /// </summary>
    private static bool TryString(ReadOnlySpan<byte> json, int start, out int end, out bool escaped)
    {
        escaped = false;
        end = -1;
        int i = start + 1;
        while (true)
        {
            int found = json[i..].IndexOfAny(s_quoteOrBackslash);
            if (found < 0)
            {
                return false;
            }

            i += found;
            if (json[i] == (byte)'"')
            {
                break;
            }

            escaped = true;
            if (i + 1 >= json.Length || !s_escapable.Contains(json[i + 1]))
            {
                return false;
            }

            if (json[i + 1] == (byte)'u')
            {
                if (i + 6 > json.Length || json.Slice(i + 2, 4).IndexOfAnyExcept(s_hexDigits) >= 0)
                {
                    return false;
                }

                i += 6;
            }
            else
            {
                i += 2;
            }
        }

        ReadOnlySpan<byte> content = json[(start + 1)..i];
        if (content.IndexOfAnyInRange((byte)0x00, (byte)0x1F) >= 0 || !Utf8.IsValid(content))
        {
            return false;
        }

        end = i;
        return true;
    }

    private static bool IsOtherKnownField(ReadOnlySpan<byte> key)
        => key.SequenceEqual("command"u8) || key.SequenceEqual("content"u8) || key.SequenceEqual("encoding"u8)
        || key.SequenceEqual("path"u8) || key.SequenceEqual("code"u8) || key.SequenceEqual("message"u8)
        || key.SequenceEqual("exitCode"u8) || key.SequenceEqual("pid"u8) || key.SequenceEqual("startedAt"u8)
        || key.SequenceEqual("detached"u8) || key.SequenceEqual("size"u8) || key.SequenceEqual("ok"u8)
        || key.SequenceEqual("entries"u8) || key.SequenceEqual("offset"u8) || key.SequenceEqual("eof"u8)
        || key.SequenceEqual("exited"u8) || key.SequenceEqual("replayTruncated"u8);

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            i++;
        }

        return i;
    }
}
