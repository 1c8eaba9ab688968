using AotSandbox.Native.Interop;

namespace AotSandbox.Native.Objects;

/// <summary>A running foreground command (<c>aotsb_exec_t*</c>): its task, its id, and where its output goes.</summary>
internal sealed class ExecObject(Sandbox sandbox, ExecTask task, OutputCallback? callback, OutputCapture? capture) : IDisposable
{
    public Sandbox Sandbox { get; } = sandbox;

    public ExecTask Task { get; } = task;

    public NativeText ExecId { get; } = NativeText.From(task.ExecId);

    public OutputCallback? Callback { get; } = callback;

    public OutputCapture? Capture { get; } = capture;

    public void Dispose()
    {
        Callback?.Disable();
        ExecId.Dispose();
    }
}

/// <summary>A finished foreground command (<c>aotsb_exec_result_t*</c>): immutable, so readable from any thread.</summary>
internal sealed class ExecResultObject : IDisposable
{
    public ExecResultObject(ExecResult result, OutputCapture? capture)
    {
        ExecId = NativeText.From(result.ExecId);
        Stdout = NativeText.From(capture is null ? [] : capture.Stdout.WrittenSpan);
        Stderr = NativeText.From(capture is null ? [] : capture.Stderr.WrittenSpan);
        ExitCode = result.ExitCode;
        Destroyed = result.Destroyed;
    }

    public NativeText ExecId { get; }

    public NativeText Stdout { get; }

    public NativeText Stderr { get; }

    public int? ExitCode { get; }

    public bool Destroyed { get; }

    public void Dispose()
    {
        ExecId.Dispose();
        Stdout.Dispose();
        Stderr.Dispose();
    }
}

/// <summary>A detached command (<c>aotsb_command_t*</c>), started here or re-attached by exec id.</summary>
internal sealed class CommandObject(DetachedCommand command, OutputCallback? callback) : IDisposable
{
    public DetachedCommand Command { get; } = command;

    public NativeText ExecId { get; } = NativeText.From(command.ExecId);

    public OutputCallback? Callback { get; } = callback;

    public void Dispose()
    {
        Callback?.Disable();
        ExecId.Dispose();
    }
}

/// <summary>A directory listing (<c>aotsb_file_list_t*</c>) whose names are lent to C until it is freed.</summary>
internal sealed class FileListObject(IReadOnlyList<FileEntry> entries) : IDisposable
{
    public IReadOnlyList<FileEntry> Entries { get; } = entries;

    public NativeText[] Names { get; } = entries.Select(e => NativeText.From(e.Name)).ToArray();

    public NativeText[] Types { get; } = entries.Select(e => NativeText.From(e.Type)).ToArray();

    public void Dispose()
    {
        foreach (NativeText text in Names.Concat(Types))
        {
            text.Dispose();
        }
    }
}
