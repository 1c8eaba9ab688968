using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary>File operations on this connection, request and reply halves together (docs/PROTOCOL.md §3.8, §4.3).</summary>
internal sealed partial class SandboxSession
{
    public async Task<IReadOnlyList<FileEntry>> ListFilesAsync(string path, CancellationToken cancellationToken)
    {
        FrameId key = FrameId.NewFile();
        string id = key.ToString();
        var operation = new FileListOperation(key, id, path);
        Register(operation);
        FrameBuilder frame = RentBuilder();
        ClientFrameWriter.WriteFileList(frame.Writer, id, path);
        await SendFileFrameAsync(operation, frame, cancellationToken).ConfigureAwait(false);
        return await AwaitFileAsync(operation, operation.Completion.Task, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One <c>file.write</c>; <paramref name="offset"/> (with <c>file.range</c>) writes there without truncating. With
    /// <paramref name="binary"/> (<c>file.binary</c>) the bytes go raw in a binary message; the returned task completes
    /// only after they were copied into the socket's pipe, never before, so the caller may reuse its buffer once it has
    /// the task's result.
    /// </summary>
    public async Task<WriteResult> WriteFileChunkAsync(string path, ReadOnlyMemory<byte> content, long? offset, bool binary, CancellationToken cancellationToken)
    {
        FrameId key = FrameId.NewFile();
        string id = key.ToString();
        var operation = new FileWriteOperation(key, id, path);
        Register(operation);
        FrameBuilder frame = RentBuilder();
        if (binary && TryWriteEnvelopeHeader(frame, id, path, offset))
        {
            await SendFileEnvelopeAsync(operation, frame, content, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            ClientFrameWriter.WriteFileWrite(frame.Writer, id, path, content.Span, offset);
            await SendFileFrameAsync(operation, frame, cancellationToken).ConfigureAwait(false);
        }

        return await AwaitFileAsync(operation, operation.Completion.Task, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One <c>file.read</c>, whole or (with <c>file.range</c>) a range; with <paramref name="binary"/> it asks for a
    /// binary answer, whose bytes land in <paramref name="destination"/> when given and large enough (see <see cref="FileChunk.InPlace"/>).
    /// </summary>
    public async Task<FileChunk> ReadFileChunkAsync(string path, long? offset, int? length, bool binary, CancellationToken cancellationToken, Memory<byte> destination = default)
    {
        FrameId key = FrameId.NewFile();
        string id = key.ToString();
        var operation = new FileReadOperation(key, id, path, destination);
        Register(operation);
        FrameBuilder frame = RentBuilder();
        ClientFrameWriter.WriteFileRead(frame.Writer, id, path, offset, length, binary);
        await SendFileFrameAsync(operation, frame, cancellationToken).ConfigureAwait(false);
        return await AwaitFileAsync(operation, operation.Completion.Task, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the envelope's prefix and JSON header into <paramref name="frame"/>. False (the builder reset) when the
    /// header would exceed the envelope's bound (a path far beyond any server's limit): the caller then sends the JSON
    /// frame, which the server refuses with the same error it gives any over-long path.
    /// </summary>
    private static bool TryWriteEnvelopeHeader(FrameBuilder frame, string id, string path, long? offset)
    {
        frame.Buffer.Advance(BinaryFileFrame.PrefixLength); // the builder is fresh: the JSON writer starts after the prefix
        ClientFrameWriter.WriteFileWriteHeader(frame.Writer, id, path, offset);
        if (frame.CompleteEnvelopeHead())
        {
            return true;
        }

        frame.Reset();
        return false;
    }

    private async Task SendFileEnvelopeAsync(PendingFileOperation operation, FrameBuilder head, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        try
        {
            await SendEnvelopeAsync(head, content, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Unregister(operation);
            throw;
        }
    }

    private async Task SendFileFrameAsync(PendingFileOperation operation, FrameBuilder frame, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Unregister(operation);
            throw;
        }
    }

    private async Task<T> AwaitFileAsync<T>(PendingFileOperation operation, Task<T> reply, CancellationToken cancellationToken)
    {
        try
        {
            return await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!reply.IsCompleted)
        {
            Unregister(operation);
            throw;
        }
    }
}
