using AotSandbox.Session;

namespace AotSandbox;

/// <summary>
/// Ranged transfers (<c>file.range</c>, docs/PROTOCOL.md §4.3) with several chunks in flight. Waiting for each reply
/// before sending the next chunk left every stage (client encode, socket, server decode, agent write) idle while the
/// others worked: the 50 MB bench upload ran at 0.04–0.12× of a tmpfs write. With a window the stages overlap.
/// </summary>
public sealed partial class Sandbox
{
    /// <summary>
    /// Requests in flight after the first chunk. The emulator runs at most 4 file operations of one connection at once
    /// (more would only wait in its socket and hold up the connection's other frames); client memory stays at one
    /// encoded frame per request in flight.
    /// </summary>
    internal const int RangeWindow = 4;

    /// <summary>Writes <paramref name="content"/> in ranged chunks; the first one alone, since it truncates the file.</summary>
    private static async Task<WriteResult> WriteRangesAsync(SandboxSession session, string path, ReadOnlyMemory<byte> content, bool binary, CancellationToken cancellationToken)
    {
        int chunkBytes = ChunkBytesFor(binary);
        int firstLength = Math.Min(chunkBytes, content.Length);
        // A later chunk landing before the truncating first one would be cut off again: it is confirmed first.
        WriteResult first = await session.WriteFileChunkAsync(path, content[..firstLength], offset: null, binary, cancellationToken).ConfigureAwait(false);
        if (!first.Ok)
        {
            return first; // destroyed meanwhile
        }

        var window = new Queue<Task<WriteResult>>(RangeWindow);
        try
        {
            for (int offset = firstLength; offset < content.Length; offset += chunkBytes)
            {
                if (window.Count == RangeWindow && await window.Dequeue().ConfigureAwait(false) is { Ok: false } lost)
                {
                    return lost;
                }

                // Chunks write at their own offsets, so the order the server finishes them in does not matter.
                ReadOnlyMemory<byte> chunk = content.Slice(offset, Math.Min(chunkBytes, content.Length - offset));
                window.Enqueue(session.WriteFileChunkAsync(path, chunk, offset, binary, cancellationToken));
            }

            while (window.Count > 0)
            {
                if (await window.Dequeue().ConfigureAwait(false) is { Ok: false } lost)
                {
                    return lost;
                }
            }
        }
        finally
        {
            await ObserveAsync(window).ConfigureAwait(false);
        }

        return new WriteResult(first.Path, content.Length, ok: true);
    }

    /// <summary>
    /// Writes <paramref name="source"/> to its end in ranged chunks; the first one alone. A binary chunk
    /// (<c>file.binary</c>) is read from its buffer until it is in the socket's pipe, which may be after the request's
    /// task was handed out, so each chunk in flight has a buffer of its own (<see cref="RangeWindow"/> + 1 of them, used
    /// in turn) and a buffer is refilled only once the chunk that used it was answered. A JSON chunk is encoded before
    /// the call returns: one buffer does.
    /// </summary>
    private static async Task<WriteResult> UploadRangesAsync(
        SandboxSession session, string path, Stream source, bool binary, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        int chunkBytes = ChunkBytesFor(binary);
        var buffers = new byte[binary ? RangeWindow + 1 : 1][];
        int turn = 0;
        byte[] buffer = buffers[0] = new byte[chunkBytes];
        int filled = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        WriteResult first = await session.WriteFileChunkAsync(path, buffer.AsMemory(0, filled), offset: null, binary, cancellationToken).ConfigureAwait(false);
        if (!first.Ok)
        {
            return new WriteResult(first.Path, 0, ok: false); // destroyed meanwhile
        }

        long confirmed = filled;
        progress?.Report(confirmed);
        long offset = filled;
        var window = new Queue<(Task<WriteResult> Reply, int Size)>(RangeWindow);
        try
        {
            while (filled == chunkBytes)
            {
                // At most RangeWindow chunks are in flight here, none of them in this buffer when binary.
                turn = (turn + 1) % buffers.Length;
                buffer = buffers[turn] ??= new byte[chunkBytes];
                filled = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (filled == 0)
                {
                    break; // the previous chunk ended exactly at the end
                }

                if (window.Count == RangeWindow && !await ConfirmOldestAsync())
                {
                    return new WriteResult(first.Path, confirmed, ok: false);
                }

                window.Enqueue((session.WriteFileChunkAsync(path, buffer.AsMemory(0, filled), offset, binary, cancellationToken), filled));
                offset += filled;
            }

            while (window.Count > 0)
            {
                if (!await ConfirmOldestAsync())
                {
                    return new WriteResult(first.Path, confirmed, ok: false);
                }
            }
        }
        finally
        {
            var leftover = new Queue<Task<WriteResult>>(window.Select(w => w.Reply));
            await ObserveAsync(leftover).ConfigureAwait(false);
        }

        return new WriteResult(first.Path, offset, ok: true);

        async Task<bool> ConfirmOldestAsync()
        {
            (Task<WriteResult> reply, int size) = window.Dequeue();
            if (!(await reply.ConfigureAwait(false)).Ok)
            {
                return false;
            }

            confirmed += size;
            progress?.Report(confirmed);
            return true;
        }
    }

    /// <summary>
    /// Reads the ranges after <paramref name="first"/> (offset 0) with up to <see cref="RangeWindow"/> in flight and hands
    /// each to <paramref name="sink"/> in file order. Stops at the range that says eof; follows a file that grows or
    /// shrinks meanwhile (a short range re-bases the ranges after it).
    /// </summary>
    /// <returns>Bytes handed to the sink (the first range's included) and whether the sandbox was destroyed meanwhile.</returns>
    private static async Task<(long Received, bool Destroyed)> ReadFollowingRangesAsync(
        SandboxSession session, string path, bool binary, FileChunk first, Func<byte[], ValueTask> sink, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        int chunkBytes = ChunkBytesFor(binary);
        long received = first.Data.Length;
        long next = received;
        long known = first.TotalSize ?? long.MaxValue;
        var window = new Queue<Task<FileChunk>>(RangeWindow);
        try
        {
            while (true)
            {
                // No range past the size the server last reported; one at least, so a file that grew is followed.
                while (window.Count < RangeWindow && (next < known || window.Count == 0))
                {
                    window.Enqueue(session.ReadFileChunkAsync(path, next, chunkBytes, binary, cancellationToken));
                    next += chunkBytes;
                }

                FileChunk chunk = await window.Dequeue().ConfigureAwait(false);
                if (chunk.Destroyed)
                {
                    return (received, true);
                }

                await sink(chunk.Data).ConfigureAwait(false);
                received += chunk.Data.Length;
                progress?.Report(received);
                if (chunk.Eof != false || chunk.Data.Length == 0)
                {
                    return (received, false);
                }

                known = chunk.TotalSize ?? long.MaxValue;
                if (chunk.Data.Length < chunkBytes)
                {
                    // Short but not at the end (the file changed under us): the ranges in flight start at the wrong
                    // offsets, so they are dropped and reading resumes right after what was received.
                    await ObserveAsync(window).ConfigureAwait(false);
                    next = received;
                }
            }
        }
        finally
        {
            await ObserveAsync(window).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// With <c>file.binary</c>: the ranges after <paramref name="first"/> land straight in one array of the file's size
    /// (each byte copied once, out of the socket's pipe), up to <see cref="RangeWindow"/> in flight. Null when the file
    /// changed meanwhile (a range shorter or longer than asked, another total size, no eof at the end): the caller then
    /// reads it again the general way, which follows a changing file. The array is dropped then, never reused, since
    /// an answer still in flight may land in it.
    /// </summary>
    private static async Task<byte[]?> ReadRangesInPlaceAsync(SandboxSession session, string path, FileChunk first, CancellationToken cancellationToken)
    {
        if (first.TotalSize is not { } total || total > Array.MaxLength || total <= first.Data.Length)
        {
            return null;
        }

        byte[] file = GC.AllocateUninitializedArray<byte>((int)total);
        first.Data.CopyTo(file, 0);
        int next = first.Data.Length;
        var window = new Queue<(Task<FileChunk> Reply, int Offset, int Length)>(RangeWindow);
        try
        {
            while (next < total || window.Count > 0)
            {
                while (window.Count < RangeWindow && next < total)
                {
                    int length = (int)Math.Min(BinaryChunkBytes, total - next);
                    Memory<byte> place = file.AsMemory(next, length);
                    window.Enqueue((session.ReadFileChunkAsync(path, next, length, binary: true, cancellationToken, place), next, length));
                    next += length;
                }

                (Task<FileChunk> reply, int offset, int expected) = window.Dequeue();
                FileChunk chunk = await reply.ConfigureAwait(false);
                if (chunk.Destroyed)
                {
                    return [];
                }

                int got = chunk.InPlace >= 0 ? chunk.InPlace : chunk.Data.Length;
                if (got != expected || chunk.TotalSize != total || (offset + got == total) != (chunk.Eof == true))
                {
                    return null; // the file changed under us
                }

                if (chunk.InPlace < 0)
                {
                    chunk.Data.CopyTo(file, offset); // a server that answered in JSON after all
                }
            }
        }
        finally
        {
            var leftover = new Queue<Task<FileChunk>>(window.Select(w => w.Reply));
            await ObserveAsync(leftover).ConfigureAwait(false);
        }

        return file;
    }

    /// <summary>Waits for requests whose results are no longer wanted, so none ends unobserved (its error is moot).</summary>
    private static async Task ObserveAsync<T>(Queue<Task<T>> window)
    {
        while (window.TryDequeue(out Task<T>? pending))
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SandboxException or OperationCanceledException)
            {
                // The caller is already returning or throwing for an earlier chunk.
            }
        }
    }
}
