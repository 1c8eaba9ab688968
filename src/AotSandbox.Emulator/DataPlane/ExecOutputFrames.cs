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
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static ReadOnlySpan<byte> Tail => "\"}"u8;

    private readonly byte[] _stdoutHead;
    private readonly byte[] _stderrHead;

    public ExecOutputFrames(string execId)
    {
        _stdoutHead = Head(execId, "stdout");
        _stderrHead = Head(execId, "stderr");
    }

    /// <summary>The frame carrying <paramref name="utf8Data"/>, which must be valid UTF-8 (<see cref="Utf8OutputSanitizer"/>).</summary>
    public byte[] Build(int stream, ReadOnlySpan<byte> utf8Data)
    {
        byte[] head = stream == 2 ? _stderrHead : _stdoutHead;
        byte[] scratch = ArrayPool<byte>.Shared.Rent(utf8Data.Length * JsonStringEscaper.MaxExpansion);
        try
        {
            int escaped = JsonStringEscaper.Escape(utf8Data, scratch);
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
