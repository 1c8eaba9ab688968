namespace AotSandbox.Session;

/// <summary>An <c>exec.get</c> waiting for <c>exec.info</c> (or any <c>error</c>, which means "command not found").</summary>
internal sealed class PendingGet
{
    public PendingGet(Protocol.FrameId key, string execId, OutputHandler? onOutput)
    {
        Key = key;
        ExecId = execId;
        OnOutput = onOutput;
    }

    public Protocol.FrameId Key { get; }

    public string ExecId { get; }

    public OutputHandler? OnOutput { get; }

    public TaskCompletionSource<CommandInfo> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
