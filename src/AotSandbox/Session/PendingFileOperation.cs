using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary>A <c>file.*</c> request waiting for its single reply.</summary>
internal abstract class PendingFileOperation
{
    protected PendingFileOperation(FrameId key, string execId, string path)
    {
        Key = key;
        ExecId = execId;
        Path = path;
    }

    public FrameId Key { get; }

    public string ExecId { get; }

    public string Path { get; }

    /// <summary>Handles the reply; returns false when the frame is not this operation's reply type (it stays pending).</summary>
    public abstract bool TryComplete(ref ServerFrame frame);

    public abstract void Fail(Exception error);

    public abstract void ResolveDestroyed();
}
