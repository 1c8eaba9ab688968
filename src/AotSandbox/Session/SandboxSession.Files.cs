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

    /// <summary>One <c>file.write</c>; <paramref name="offset"/> (with <c>file.range</c>) writes there without truncating.</summary>
    public async Task<WriteResult> WriteFileChunkAsync(string path, ReadOnlyMemory<byte> content, long? offset, CancellationToken cancellationToken)
    {
        FrameId key = FrameId.NewFile();
        string id = key.ToString();
        var operation = new FileWriteOperation(key, id, path);
        Register(operation);
        FrameBuilder frame = RentBuilder();
        ClientFrameWriter.WriteFileWrite(frame.Writer, id, path, content.Span, offset);
        await SendFileFrameAsync(operation, frame, cancellationToken).ConfigureAwait(false);
        return await AwaitFileAsync(operation, operation.Completion.Task, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One <c>file.read</c>, whole or (with <c>file.range</c>) a range.</summary>
    public async Task<FileChunk> ReadFileChunkAsync(string path, long? offset, int? length, CancellationToken cancellationToken)
    {
        FrameId key = FrameId.NewFile();
        string id = key.ToString();
        var operation = new FileReadOperation(key, id, path);
        Register(operation);
        FrameBuilder frame = RentBuilder();
        ClientFrameWriter.WriteFileRead(frame.Writer, id, path, offset, length);
        await SendFileFrameAsync(operation, frame, cancellationToken).ConfigureAwait(false);
        return await AwaitFileAsync(operation, operation.Completion.Task, cancellationToken).ConfigureAwait(false);
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
