using System.Buffers;

namespace AotSandbox.Native.Interop;

/// <summary>Collects stdout and stderr as raw bytes (no UTF-16 round trip) for a blocking exec result.</summary>
internal sealed class OutputCapture
{
    private readonly Lock _gate = new();

    public ArrayBufferWriter<byte> Stdout { get; } = new();

    public ArrayBufferWriter<byte> Stderr { get; } = new();

    public void Append(OutputStream stream, ReadOnlySpan<byte> utf8)
    {
        lock (_gate)
        {
            (stream == OutputStream.Stderr ? Stderr : Stdout).Write(utf8);
        }
    }
}
