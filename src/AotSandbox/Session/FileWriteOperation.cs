using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary><c>file.write</c> → <c>file.writeResult</c>; <c>ok:false</c> is a failure.</summary>
internal sealed class FileWriteOperation : PendingFileOperation
{
    public FileWriteOperation(FrameId key, string execId, string path)
        : base(key, execId, path)
    {
    }

    public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool TryComplete(ref ServerFrame frame)
    {
        if (frame.Type != FrameType.FileWriteResult)
        {
            return false;
        }

        if (frame.Ok != true)
        {
            Completion.TrySetException(new SandboxClientException($"file.write failed for path '{Path}'"));
            return true;
        }

        Completion.TrySetResult(new WriteResult(frame.Path.GetString() ?? Path, frame.Size ?? 0, ok: true));
        return true;
    }

    public override void Fail(Exception error) => Completion.TrySetException(error);

    public override void ResolveDestroyed() => Completion.TrySetResult(new WriteResult(Path, 0, ok: false));
}
