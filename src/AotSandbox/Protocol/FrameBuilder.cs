using System.Text.Json;

namespace AotSandbox.Protocol;

/// <summary>A pooled buffer plus a <see cref="Utf8JsonWriter"/> bound to it: the unit a client frame is written into.</summary>
internal sealed class FrameBuilder : IDisposable
{
    // Relaxed escaping: frames are never embedded in HTML, and escaping every non-ASCII character would bloat stdin text.
    // The deferred form writes the same bytes and builds the relaxed encoder only once a frame needs it (cold start).
    private static readonly JsonWriterOptions s_options = new() { Encoder = DeferredRelaxedJsonEncoder.Instance, SkipValidation = true };

    public FrameBuilder()
    {
        Buffer = new PooledBufferWriter();
        Writer = new Utf8JsonWriter(Buffer, s_options);
    }

    public PooledBufferWriter Buffer { get; }

    public Utf8JsonWriter Writer { get; }

    /// <summary>The complete frame (flushes the writer).</summary>
    public ReadOnlyMemory<byte> Complete()
    {
        Writer.Flush();
        return Buffer.WrittenMemory;
    }

    /// <summary>
    /// For a <c>file.binary</c> envelope whose first <see cref="BinaryFileFrame.PrefixLength"/> bytes were reserved
    /// before the JSON header was written: flushes the header and fills the prefix in. False when the header is longer
    /// than <see cref="BinaryFileFrame.MaxHeaderBytes"/>.
    /// </summary>
    public bool CompleteEnvelopeHead()
    {
        Writer.Flush();
        int headerLength = Buffer.WrittenCount - BinaryFileFrame.PrefixLength;
        if (headerLength > BinaryFileFrame.MaxHeaderBytes)
        {
            return false;
        }

        BinaryFileFrame.WritePrefix(Buffer.WrittenSpan, headerLength);
        return true;
    }

    public void Reset()
    {
        Buffer.Reset();
        Writer.Reset(Buffer);
    }

    public void Dispose()
    {
        Writer.Dispose();
        Buffer.Dispose();
    }
}
