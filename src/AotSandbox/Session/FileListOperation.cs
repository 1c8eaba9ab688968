using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary><c>file.list</c> → <c>file.entries</c> (a missing <c>entries</c> is an empty list).</summary>
internal sealed class FileListOperation : PendingFileOperation
{
    public FileListOperation(FrameId key, string execId, string path)
        : base(key, execId, path)
    {
    }

    public TaskCompletionSource<IReadOnlyList<FileEntry>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool TryComplete(ref ServerFrame frame)
    {
        if (frame.Type != FrameType.FileEntries)
        {
            return false;
        }

        try
        {
            Completion.TrySetResult(FileEntriesParser.Parse(frame.Entries));
        }
        catch (System.Text.Json.JsonException ex)
        {
            Completion.TrySetException(new SandboxClientException($"file.list returned malformed entries for path '{Path}'", ex));
        }

        return true;
    }

    public override void Fail(Exception error) => Completion.TrySetException(error);

    public override void ResolveDestroyed() => Completion.TrySetResult(Array.Empty<FileEntry>());
}
