using System.Buffers.Binary;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>File operations of one sandbox, executed by its agent as the sandbox user (see agent/AGENT-CHANNEL.md).</summary>
internal sealed class SandboxFiles(AgentChannel channel)
{
    /// <summary>Data bytes per write frame: the frame also carries the path (≤ 4096 bytes) and 13 bytes of fields.</summary>
    private const int WriteChunk = AgentWire.MaxFileChunk - 8192;

    public async ValueTask<FileReadResult> ReadAsync(string path, long offset, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var pathBytes = AgentWire.EncodePath(path);
        var prefix = new byte[12 + pathBytes.Length];
        pathBytes.CopyTo(prefix, 12);
        byte[]? whole = null;
        var got = 0;
        long fileSize;
        while (true)
        {
            var ask = Math.Min(count - got, AgentWire.MaxFileChunk);
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(offset + got));
            BinaryPrimitives.WriteUInt32LittleEndian(prefix.AsSpan(8), (uint)ask);
            var (data, size) = await channel.RequestAsync(new ReadRequest(), AgentWire.FileRead, prefix, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            fileSize = size;
            if (got == 0 && (data.Length < ask || ask == count))
            {
                return new FileReadResult(data, fileSize); // the common case: one request, no copy
            }

            whole ??= new byte[(int)Math.Min(count, Math.Max(0, fileSize - offset))];
            if (got + data.Length > whole.Length)
            {
                Array.Resize(ref whole, got + data.Length); // the file grew while we read it
            }

            data.CopyTo(whole, got);
            got += data.Length;
            if (data.Length < ask || got >= count)
            {
                break;
            }
        }
        if (whole.Length != got)
        {
            Array.Resize(ref whole, got);
        }

        return new FileReadResult(whole, fileSize);
    }

    /// <summary>
    /// Reads up to <paramref name="destination"/>'s length at <paramref name="offset"/> straight into it (each agent
    /// answer is copied once, from the channel's read buffer to its place); stops at the end of the file.
    /// </summary>
    public async ValueTask<(int Count, long FileSize)> ReadIntoAsync(string path, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var pathBytes = AgentWire.EncodePath(path);
        var prefix = new byte[12 + pathBytes.Length];
        pathBytes.CopyTo(prefix, 12);
        var got = 0;
        long fileSize;
        do
        {
            var ask = Math.Min(destination.Length - got, AgentWire.MaxFileChunk);
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(offset + got));
            BinaryPrimitives.WriteUInt32LittleEndian(prefix.AsSpan(8), (uint)ask);
            var request = new ReadIntoRequest(destination.Slice(got, ask));
            int read;
            long size;
            try
            {
                (read, size) = await channel.RequestAsync(request, AgentWire.FileRead, prefix, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                request.Abandon(); // the destination may go back to the pool as soon as this returns or throws
            }

            fileSize = size;
            got += read;
            if (read < ask)
            {
                break;
            }
        }
        while (got < destination.Length);
        return (got, fileSize);
    }

    public async ValueTask<long> WriteAsync(string path, ReadOnlyMemory<byte> content, long offset, bool truncate, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var pathBytes = AgentWire.EncodePath(path);
        var prefix = new byte[13 + pathBytes.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix.AsSpan(9), (uint)pathBytes.Length);
        pathBytes.CopyTo(prefix, 13);
        var written = 0;
        long size;
        do
        {
            var chunk = content.Slice(written, Math.Min(content.Length - written, WriteChunk));
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(offset + written));
            prefix[8] = truncate && written == 0 ? (byte)1 : (byte)0;
            size = await channel.RequestAsync(new WriteRequest(), AgentWire.FileWrite, prefix, chunk, cancellationToken).ConfigureAwait(false);
            written += chunk.Length;
        }
        while (written < content.Length);
        return size;
    }

    public async ValueTask<IReadOnlyList<SandboxFileEntry>> ListAsync(string path, CancellationToken cancellationToken) =>
        await channel.RequestAsync(new ListRequest(), AgentWire.FileList, AgentWire.EncodePath(path), ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
}
