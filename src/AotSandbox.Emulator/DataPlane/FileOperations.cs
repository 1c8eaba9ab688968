using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// <c>file.read</c>, <c>file.write</c> and <c>file.list</c> (with the file.range and file.binary extensions): validates
/// the frame, calls the runtime (which resolves paths inside the sandbox) and builds the reply, an error frame included.
/// </summary>
internal sealed class FileOperations
{
    private readonly ISandboxInstance _instance;
    private readonly bool _allowExtensions;

    /// <param name="instance">The sandbox the operations run in.</param>
    /// <param name="allowExtensions">
    /// Honour the file.range and file.binary extensions; false in strict-protocol mode, where ranged frames are refused
    /// and <c>binary</c> is ignored (the reply is the base protocol's text frame).
    /// </param>
    public FileOperations(ISandboxInstance instance, bool allowExtensions = true)
    {
        _instance = instance;
        _allowExtensions = allowExtensions;
    }

    /// <summary>Always returns one reply for <paramref name="frame"/>: a text frame, or a binary file.content when asked for.</summary>
    public async Task<OutgoingMessage> HandleAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        string execId = frame.ExecId!;
        if (string.IsNullOrEmpty(frame.Path) || frame.Path.Length > DataPlaneLimits.MaxPathChars || frame.Path.Contains('\0', StringComparison.Ordinal))
        {
            return Error(execId, ErrorCodes.InvalidRequest, $"'{frame.TypeName}' needs a 'path' string of 1..{DataPlaneLimits.MaxPathChars} characters without NUL");
        }

        if (!_allowExtensions && (frame.Offset.HasValue || frame.Length.HasValue))
        {
            // Refused rather than ignored: silently truncating a chunked upload would lose data.
            return Error(execId, ErrorCodes.Unsupported,
                "'offset'/'length' belong to the file.range extension, which this server does not offer (strict protocol); move large files with a command (see docs/PROTOCOL.md §3.8)");
        }

        try
        {
            return frame.Type switch
            {
                ClientFrameType.FileRead => await ReadAsync(execId, frame, cancellationToken).ConfigureAwait(false),
                ClientFrameType.FileWrite => await WriteAsync(execId, frame, cancellationToken).ConfigureAwait(false),
                _ => OutgoingMessage.Text(ServerFrames.FileEntries(execId, await _instance.ListFilesAsync(frame.Path, cancellationToken).ConfigureAwait(false))),
            };
        }
        catch (SandboxFileException e)
        {
            return Error(execId, e.Code, e.Message);
        }
        catch (SandboxRuntimeException e)
        {
            return Error(execId, ErrorCodes.Internal, e.Message);
        }
    }

    private static OutgoingMessage Error(string execId, string code, string message) => OutgoingMessage.Text(ServerFrames.Error(execId, code, message));

    private async Task<OutgoingMessage> ReadAsync(string execId, ClientFrame frame, CancellationToken cancellationToken)
    {
        bool ranged = frame.Offset.HasValue || frame.Length.HasValue;
        bool binary = frame.Binary && _allowExtensions;
        int maxLength = binary ? DataPlaneLimits.MaxBinaryRangeReadBytes : DataPlaneLimits.MaxRangeReadBytes;
        long offset = frame.Offset ?? 0;
        long length = frame.Length ?? DataPlaneLimits.MaxRangeReadBytes;
        if (ranged && (offset < 0 || length < 0 || length > maxLength))
        {
            return Error(execId, ErrorCodes.InvalidRequest,
                $"'offset' must be ≥ 0 and 'length' between 0 and {maxLength} bytes");
        }

        if (binary)
        {
            return await BinaryFileContent.ReadAsync(_instance, execId, frame.Path!, ranged ? offset : null, ranged ? (int)length : null, cancellationToken).ConfigureAwait(false);
        }

        if (!ranged)
        {
            // One byte more than fits tells "too large" apart from "exactly the limit".
            FileReadResult whole = await _instance.ReadFileAsync(frame.Path!, 0, DataPlaneLimits.MaxWholeFileReadBytes + 1, cancellationToken).ConfigureAwait(false);
            if (whole.FileSize > DataPlaneLimits.MaxWholeFileReadBytes || whole.Data.Length > DataPlaneLimits.MaxWholeFileReadBytes)
            {
                return TooLarge(execId, whole.FileSize);
            }

            return OutgoingMessage.Text(ServerFrames.FileContent(execId, whole.Data, null));
        }

        FileReadResult part = await _instance.ReadFileAsync(frame.Path!, offset, (int)length, cancellationToken).ConfigureAwait(false);
        return OutgoingMessage.Text(ServerFrames.FileContent(execId, part.Data, new FileRange(offset, part.FileSize)));
    }

    /// <summary>A whole-file read of a file larger than <see cref="DataPlaneLimits.MaxWholeFileReadBytes"/>.</summary>
    internal static OutgoingMessage TooLarge(string execId, long fileSize) => Error(execId, ErrorCodes.FileTooLarge,
        $"the file has {fileSize} bytes; whole-file reads are limited to {DataPlaneLimits.MaxWholeFileReadBytes / 1024} KiB so the frame stays under 1 MiB; read it in ranges (file.range: offset/length) when the server offers them, else with a command such as base64");

    private async Task<OutgoingMessage> WriteAsync(string execId, ClientFrame frame, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> content;
        if (frame.BinaryContent is { } raw)
        {
            content = raw; // file.binary: the bytes as the client sent them
        }
        else if (!FileWriteContent.TryDecode(frame, out content, out string? problem))
        {
            return Error(execId, ErrorCodes.InvalidRequest, problem);
        }

        long offset = frame.Offset ?? 0;
        if (offset < 0)
        {
            return Error(execId, ErrorCodes.InvalidRequest, "'offset' must be ≥ 0");
        }

        // offset > 0 continues a chunked upload in place; offset 0 (or none) replaces the file.
        await _instance.WriteFileAsync(frame.Path!, content, offset, truncate: offset == 0, cancellationToken).ConfigureAwait(false);
        return OutgoingMessage.Text(ServerFrames.FileWriteResult(execId, frame.Path!, content.Length));
    }
}
