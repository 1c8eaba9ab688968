using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// Builds the <c>exec.output</c> frames of one exec. Everything but <c>data</c> is the same in every frame of a
/// stream, so that head is written once by Utf8JsonWriter; per chunk only the output is escaped
/// (<see cref="JsonStringEscaper"/>) and the frame costs its own array and nothing else.
/// </summary>
internal sealed class ExecOutputFrames
{
    /// <summary>
    /// Escaped data per frame: a 64 KiB agent chunk of text (a few escapes) fits one frame, and output full of control
    /// characters (six bytes each once escaped) is split, so a frame stays as small as the 16 KiB pieces of the old
    /// UTF-16 path made it at worst and the connection's 64-frame queue holds no more than before.
    /// </summary>
    public const int MaxEscapedDataBytes = 96 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static ReadOnlySpan<byte> Tail => "\"}"u8;

    private readonly byte[] _stdoutHead;
    private readonly byte[] _stderrHead;

    public ExecOutputFrames(string execId)
    {
        _stdoutHead = Head(execId, "stdout");
        _stderrHead = Head(execId, "stderr");
    }

    /// <summary>
    /// The frame carrying the first <paramref name="consumed"/> bytes (whole characters, at least one) of
    /// <paramref name="utf8Data"/>, which must be valid UTF-8 (<see cref="Utf8OutputSanitizer"/>): as much as
    /// <see cref="MaxEscapedDataBytes"/> holds once escaped.
    /// </summary>
    public byte[] Build(int stream, ReadOnlySpan<byte> utf8Data, out int consumed)
    {
        byte[] head = stream == 2 ? _stderrHead : _stdoutHead;
        byte[] scratch = ArrayPool<byte>.Shared.Rent(Math.Min(utf8Data.Length * JsonStringEscaper.MaxExpansion, MaxEscapedDataBytes));
        try
        {
            int escaped = JsonStringEscaper.Escape(utf8Data, scratch.AsSpan(0, Math.Min(scratch.Length, MaxEscapedDataBytes)), out consumed);
            byte[] frame = GC.AllocateUninitializedArray<byte>(head.Length + escaped + Tail.Length);
            head.CopyTo(frame, 0);
            scratch.AsSpan(0, escaped).CopyTo(frame.AsSpan(head.Length));
            Tail.CopyTo(frame.AsSpan(head.Length + escaped));
            return frame;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary><c>{"type":"exec.output","execId":…,"stream":…,"data":"</c>: the frame with an empty data, cut before its closing quote.</summary>
    private static byte[] Head(string execId, string stream)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", "exec.output");
            w.WriteString("execId", execId);
            w.WriteString("stream", stream);
            w.WriteString("data", string.Empty);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan[..^Tail.Length].ToArray();
    }
}
