using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// The binary <c>file.content</c> of the <c>file.binary</c> extension (docs/PROTOCOL.md §4.7): the agent's bytes land
/// once in a pooled array, at a fixed distance from its start, and the envelope's prefix and JSON header are written
/// in front of them afterwards (the header's <c>eof</c> and <c>size</c> are only known once the read is done). No
/// base64, no second copy of the data on the emulator's side.
/// </summary>
internal static class BinaryFileContent
{
    /// <summary>
    /// Room in front of the data for prefix and header: an <c>execId</c> of ≤ 128 characters escaped at worst to six
    /// bytes each (768), the type and the three range fields.
    /// </summary>
    internal const int HeaderReserve = 1024;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>
    /// Reads <paramref name="length"/> bytes at <paramref name="offset"/> (a file.range read), or with both null the
    /// whole file (≤ <see cref="DataPlaneLimits.MaxWholeFileReadBytes"/>, else FILE_TOO_LARGE as in §3.8), into a binary reply.
    /// </summary>
    public static async Task<OutgoingMessage> ReadAsync(ISandboxInstance instance, string execId, string path, long? offset, int? length, CancellationToken cancellationToken)
    {
        // A whole read asks one byte more than it may answer, to tell "too large" from "exactly the limit".
        int capacity = length ?? (DataPlaneLimits.MaxWholeFileReadBytes + 1);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HeaderReserve + capacity);
        try
        {
            (int count, long fileSize) = await instance.ReadFileIntoAsync(path, offset ?? 0, buffer.AsMemory(HeaderReserve, capacity), cancellationToken).ConfigureAwait(false);
            if (offset is null && (fileSize > DataPlaneLimits.MaxWholeFileReadBytes || count > DataPlaneLimits.MaxWholeFileReadBytes))
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return FileOperations.TooLarge(execId, fileSize);
            }

            int start = WriteHead(buffer, execId, offset is { } o ? new FileRange(o, fileSize) : null, count);
            return OutgoingMessage.PooledBinary(buffer, start, HeaderReserve - start + count);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// Writes prefix and header so that they end exactly at <see cref="HeaderReserve"/>, where the data starts; returns
    /// where the message starts. Pure (bytes in, bytes out): unit-tested against the independent parsers.
    /// </summary>
    internal static int WriteHead(byte[] buffer, string execId, FileRange? range, int dataLength)
    {
        var header = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(header, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", "file.content");
            w.WriteString("execId", execId);
            if (range is { } r)
            {
                w.WriteNumber("offset", r.Offset);
                w.WriteNumber("size", r.FileSize);
                w.WriteBoolean("eof", r.Offset + dataLength >= r.FileSize);
            }

            w.WriteEndObject();
        }

        int start = HeaderReserve - BinaryFileEnvelope.PrefixLength - header.WrittenCount;
        if (start < 0)
        {
            throw new InvalidOperationException("file.content header larger than its reserve (execId longer than the data plane allows)");
        }

        BinaryFileEnvelope.WritePrefix(buffer.AsSpan(start), header.WrittenCount);
        header.WrittenSpan.CopyTo(buffer.AsSpan(start + BinaryFileEnvelope.PrefixLength));
        return start;
    }
}
