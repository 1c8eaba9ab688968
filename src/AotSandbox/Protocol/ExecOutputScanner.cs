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
    /// <summary>What ends a run of plain string content: the closing quote, an escape, or a raw control character (invalid).</summary>
    private static readonly SearchValues<byte> s_stringStop = SearchValues.Create(StringStopBytes());

    private static readonly SearchValues<byte> s_escapable = SearchValues.Create("\"\\/bfnrtu"u8);
    private static readonly SearchValues<byte> s_hexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    /// <summary>Reads <paramref name="json"/> as an exec.output frame if it is a flat object of string values.</summary>
    public static bool TryScan(ReadOnlySpan<byte> json, ref ServerFrame frame) => TryScan(json, knownValidUtf8: false, ref frame);

    /// <summary>
    /// Reads <paramref name="json"/> as an exec.output frame if it is a flat object of string values.
    /// The scanner checks the UTF-8 of each string on its own (stricter than <see cref="System.Text.Json.Utf8JsonReader"/>,
    /// which leaves string UTF-8 unchecked until a value is transcoded) so that a direct caller never gets invalid bytes
    /// from the fast path. <paramref name="knownValidUtf8"/> says the caller has already checked the WHOLE message is well-formed UTF-8 (the
    /// transport does for every text message, the session for every binary one it dispatches): then the per-string UTF-8
    /// check is skipped, because every string lies between two ASCII quotes and a slice of valid UTF-8 cut at ASCII bytes
    /// is itself valid. Passing true for unchecked bytes would accept invalid UTF-8: callers pass it only on that proof.
    /// </summary>
    public static bool TryScan(ReadOnlySpan<byte> json, bool knownValidUtf8, ref ServerFrame frame)
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
            Key key = ReadKey(json, i, knownValidUtf8, out int keyEnd);
            if (key == Key.Invalid)
            {
                return false;
            }

            i = SkipWhitespace(json, keyEnd + 1);
            if (i >= json.Length || json[i] != (byte)':')
            {
                return false;
            }

            i = SkipWhitespace(json, i + 1);
            if (i >= json.Length || json[i] != (byte)'"')
            {
                return false; // a number, literal, object or array: the reader handles those
            }

            int valueEnd;
            switch (key)
            {
                case Key.Type:
                    // Only the exact unescaped bytes qualify; anything else (another type, an escape) is the reader's.
                    if (!json[i..].StartsWith("\"exec.output\""u8))
                    {
                        return false;
                    }

                    valueEnd = i + 12;
                    frame.TypeName = new JsonText(json[i..(valueEnd + 1)], false);
                    isOutput = true;
                    break;

                case Key.Stream:
                    if (json[i..].StartsWith("\"stdout\""u8) || json[i..].StartsWith("\"stderr\""u8))
                    {
                        valueEnd = i + 7;
                        frame.Stream = json[i + 4] == (byte)'e' ? OutputStream.Stderr : OutputStream.Stdout;
                        break;
                    }

                    if (!TryString(json, i, knownValidUtf8, out valueEnd, out bool streamEscaped) || streamEscaped)
                    {
                        return false;
                    }

                    frame.Stream = OutputStream.Stdout; // any other unescaped value means stdout, as the reader decides
                    break;

                case Key.OtherKnown:
                    return false; // the reader would fill (or type-check) it: let it, so both paths agree on every field

                default:
                    if (!TryString(json, i, knownValidUtf8, out valueEnd, out bool escaped))
                    {
                        return false;
                    }

                    var value = new JsonText(json[i..(valueEnd + 1)], escaped);
                    if (key == Key.Data)
                    {
                        frame.Data = value;
                    }
                    else if (key == Key.ExecId)
                    {
                        frame.ExecId = value;
                    }
                    else if (key == Key.SandboxId)
                    {
                        frame.SandboxId = value;
                    }

                    break;
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

    /// <summary>Which property a key names, as far as the scanner cares.</summary>
    private enum Key : byte
    {
        Invalid,
        Unknown,
        Type,
        Data,
        ExecId,
        Stream,
        SandboxId,
        OtherKnown,
    }

    /// <summary>
    /// Reads the key whose opening quote is at <paramref name="start"/>. The names of an exec.output frame are matched
    /// with their closing quote first (plain ASCII, so nothing else to validate); any other key is checked as a string.
    /// An escaped key is <see cref="Key.Invalid"/>: the reader compares names unescaped, so it decides those.
    /// </summary>
    private static Key ReadKey(ReadOnlySpan<byte> json, int start, bool knownValidUtf8, out int end)
    {
        ReadOnlySpan<byte> rest = json[start..];
        if (rest.StartsWith("\"type\""u8))
        {
            end = start + 5;
            return Key.Type;
        }

        if (rest.StartsWith("\"data\""u8))
        {
            end = start + 5;
            return Key.Data;
        }

        if (rest.StartsWith("\"execId\""u8))
        {
            end = start + 7;
            return Key.ExecId;
        }

        if (rest.StartsWith("\"stream\""u8))
        {
            end = start + 7;
            return Key.Stream;
        }

        if (!TryString(json, start, knownValidUtf8, out end, out bool escaped) || escaped)
        {
            return Key.Invalid;
        }

        ReadOnlySpan<byte> key = json[(start + 1)..end];
        return key.SequenceEqual("sandboxId"u8) ? Key.SandboxId : IsOtherKnownField(key) ? Key.OtherKnown : Key.Unknown;
    }

    /// <summary>
    /// Finds the closing quote of the string starting at <paramref name="start"/> (its opening quote) and checks it as
    /// the JSON reader would: no raw control character, only the defined escapes, four hex digits after <c>\u</c>, and
    /// UTF-8 unless the caller already proved the whole message is. One vectorized search per run of plain content
    /// finds the quote, an escape or a control character at once.
    /// </summary>
    private static bool TryString(ReadOnlySpan<byte> json, int start, bool knownValidUtf8, out int end, out bool escaped)
    {
        escaped = false;
        end = -1;
        int i = start + 1;
        while (true)
        {
            int found = json[i..].IndexOfAny(s_stringStop);
            if (found < 0)
            {
                return false;
            }

            i += found;
            byte stop = json[i];
            if (stop == (byte)'"')
            {
                break;
            }

            if (stop != (byte)'\\')
            {
                return false; // a raw control character
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

        if (!knownValidUtf8 && !Utf8.IsValid(json[(start + 1)..i]))
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

    private static byte[] StringStopBytes()
    {
        byte[] stops = new byte[34];
        for (int c = 0; c < 0x20; c++)
        {
            stops[c] = (byte)c;
        }

        stops[32] = (byte)'"';
        stops[33] = (byte)'\\';
        return stops;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            i++;
        }

        return i;
    }
}
