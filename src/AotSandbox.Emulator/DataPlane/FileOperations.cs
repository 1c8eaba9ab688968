using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// <c>file.read</c>, <c>file.write</c> and <c>file.list</c> (with the file.range extension): validates the frame,
/// calls the runtime (which resolves paths inside the sandbox) and builds the reply frame, an error frame included.
/// </summary>
internal sealed class FileOperations
{
    private readonly ISandboxInstance _instance;
    private readonly bool _allowRanges;

    /// <param name="instance">The sandbox the operations run in.</param>
    /// <param name="allowRanges">Honour the file.range extension; false in strict-protocol mode, where ranged frames are refused.</param>
    public FileOperations(ISandboxInstance instance, bool allowRanges = true)
    {
        _instance = instance;
        _allowRanges = allowRanges;
    }

    /// <summary>Always returns one reply frame for <paramref name="frame"/>.</summary>
    public async Task<byte[]> HandleAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        string execId = frame.ExecId!;
        if (string.IsNullOrEmpty(frame.Path) || frame.Path.Length > DataPlaneLimits.MaxPathChars || frame.Path.Contains('\0', StringComparison.Ordinal))
        {
            return ServerFrames.Error(execId, ErrorCodes.InvalidRequest, $"'{frame.TypeName}' needs a 'path' string of 1..{DataPlaneLimits.MaxPathChars} characters without NUL");
        }

        if (!_allowRanges && (frame.Offset.HasValue || frame.Length.HasValue))
        {
            // Refused rather than ignored: silently truncating a chunked upload would lose data.
            return ServerFrames.Error(execId, ErrorCodes.Unsupported,
                "'offset'/'length' belong to the file.range extension, which this server does not offer (strict protocol); move large files with a command (see docs/PROTOCOL.md §3.8)");
        }

        try
        {
            return frame.Type switch
            {
                ClientFrameType.FileRead => await ReadAsync(execId, frame, cancellationToken).ConfigureAwait(false),
                ClientFrameType.FileWrite => await WriteAsync(execId, frame, cancellationToken).ConfigureAwait(false),
                _ => ServerFrames.FileEntries(execId, await _instance.ListFilesAsync(frame.Path, cancellationToken).ConfigureAwait(false)),
            };
        }
        catch (SandboxFileException e)
        {
            return ServerFrames.Error(execId, e.Code, e.Message);
        }
        catch (SandboxRuntimeException e)
        {
            return ServerFrames.Error(execId, ErrorCodes.Internal, e.Message);
        }
    }

    private async Task<byte[]> ReadAsync(string execId, ClientFrame frame, CancellationToken cancellationToken)
    {
        bool ranged = frame.Offset.HasValue || frame.Length.HasValue;
        if (!ranged)
        {
            // One byte more than fits tells "too large" apart from "exactly the limit".
            FileReadResult whole = await _instance.ReadFileAsync(frame.Path!, 0, DataPlaneLimits.MaxWholeFileReadBytes + 1, cancellationToken).ConfigureAwait(false);
            if (whole.FileSize > DataPlaneLimits.MaxWholeFileReadBytes || whole.Data.Length > DataPlaneLimits.MaxWholeFileReadBytes)
            {
                return ServerFrames.Error(execId, ErrorCodes.FileTooLarge,
                    $"the file has {whole.FileSize} bytes; whole-file reads are limited to {DataPlaneLimits.MaxWholeFileReadBytes / 1024} KiB so the frame stays under 1 MiB; read it in ranges (file.range: offset/length) when the server offers them, else with a command such as base64");
            }

            return ServerFrames.FileContent(execId, whole.Data, null);
        }

        long offset = frame.Offset ?? 0;
        long length = frame.Length ?? DataPlaneLimits.MaxRangeReadBytes;
        if (offset < 0 || length < 0 || length > DataPlaneLimits.MaxRangeReadBytes)
        {
            return ServerFrames.Error(execId, ErrorCodes.InvalidRequest,
                $"'offset' must be ≥ 0 and 'length' between 0 and {DataPlaneLimits.MaxRangeReadBytes} bytes");
        }

        FileReadResult part = await _instance.ReadFileAsync(frame.Path!, offset, (int)length, cancellationToken).ConfigureAwait(false);
        return ServerFrames.FileContent(execId, part.Data, new FileRange(offset, part.FileSize));
    }

    private async Task<byte[]> WriteAsync(string execId, ClientFrame frame, CancellationToken cancellationToken)
    {
        if (!FileWriteContent.TryDecode(frame, out ReadOnlyMemory<byte> content, out string? problem))
        {
            return ServerFrames.Error(execId, ErrorCodes.InvalidRequest, problem);
        }

        long offset = frame.Offset ?? 0;
        if (offset < 0)
        {
            return ServerFrames.Error(execId, ErrorCodes.InvalidRequest, "'offset' must be ≥ 0");
        }

        // offset > 0 continues a chunked upload in place; offset 0 (or none) replaces the file.
        await _instance.WriteFileAsync(frame.Path!, content, offset, truncate: offset == 0, cancellationToken).ConfigureAwait(false);
        return ServerFrames.FileWriteResult(execId, frame.Path!, content.Length);
    }
}
