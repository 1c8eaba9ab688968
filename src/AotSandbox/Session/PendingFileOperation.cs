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

    /// <summary>
    /// Handles a binary reply (<c>file.binary</c>): <paramref name="header"/> its JSON header, <paramref name="data"/> the
    /// raw bytes, both valid only during the call. Only reads have such a reply; others ignore it and stay pending.
    /// </summary>
    public virtual bool TryCompleteBinary(ref ServerFrame header, in System.Buffers.ReadOnlySequence<byte> data) => false;

    public abstract void Fail(Exception error);

    public abstract void ResolveDestroyed();
}
