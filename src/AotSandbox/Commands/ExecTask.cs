using System.Runtime.CompilerServices;

namespace AotSandbox;

/// <summary>A running foreground command: its id is known at once; await it for the <see cref="ExecResult"/>.</summary>
public sealed class ExecTask
{
    private readonly Task<ExecResult> _task;

    internal ExecTask(string execId, Task<ExecResult> task)
    {
        ExecId = execId;
        _task = task;
    }

    /// <summary>The command's id, usable at once with <see cref="Sandbox.WriteStdinAsync(string, string, CancellationToken)"/> and friends.</summary>
    public string ExecId { get; }

    /// <summary>Whether the command has finished (or failed).</summary>
    public bool IsCompleted => _task.IsCompleted;

    /// <summary>The result as a task (for <c>Task.WhenAll</c> and the like).</summary>
    /// <returns>The task.</returns>
    public Task<ExecResult> AsTask() => _task;

    /// <summary>Makes the command awaitable.</summary>
    /// <returns>The awaiter.</returns>
    public TaskAwaiter<ExecResult> GetAwaiter() => _task.GetAwaiter();

    /// <summary>Configures how the await continues.</summary>
    /// <param name="continueOnCapturedContext">Whether to resume on the captured context.</param>
    /// <returns>The configured awaitable.</returns>
    public ConfiguredTaskAwaitable<ExecResult> ConfigureAwait(bool continueOnCapturedContext) => _task.ConfigureAwait(continueOnCapturedContext);
}
