using System.Runtime.CompilerServices;

namespace AotSandbox;

/// <summary>
/// Output of a running command as an async stream of text chunks. Enumerate it once; when the enumeration ends the
/// command has exited and <see cref="ExitCode"/>/<see cref="Completion"/> hold the outcome. A failure (timeout,
/// connection loss, cancellation) is thrown from the enumeration after the output received before it. The buffer is
/// bounded and a slow consumer holds back the connection and the command (see <see cref="Sandbox.ExecStreamAsync(string, ExecOptions?, CancellationToken)"/>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "An output stream of a command, not a System.IO.Stream; the name reads naturally at the call site.")]
public sealed class ExecStream : IAsyncEnumerable<OutputChunk>
{
    private readonly ExecStreamBuffer _buffer;

    internal ExecStream(string execId, ExecStreamBuffer buffer, Task<ExecResult> completion)
    {
        ExecId = execId;
        _buffer = buffer;
        Completion = completion;
        completion.ContinueWith(
            static (_, state) => ((ExecStreamBuffer)state!).Complete(),
            buffer,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>The command's id.</summary>
    public string ExecId { get; }

    /// <summary>The command's result (stdout/stderr are empty unless <see cref="ExecOptions.CaptureOutput"/> was set).</summary>
    public Task<ExecResult> Completion { get; }

    /// <summary>The exit code once the command has finished; <see langword="null"/> before, on failure, or when destroyed.</summary>
    public int? ExitCode => Completion.IsCompletedSuccessfully ? Completion.Result.ExitCode : null;

    /// <inheritdoc/>
    public IAsyncEnumerator<OutputChunk> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        => ReadAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    private async IAsyncEnumerable<OutputChunk> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await foreach (OutputChunk chunk in _buffer.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return chunk;
            }
        }
        finally
        {
            // Left early (break, exception, cancellation): nobody reads any more, so the connection must not wait for it.
            _buffer.Abandon();
        }

        // Surfaces the command's failure, if any, to the enumerating caller.
        await Completion.ConfigureAwait(false);
    }
}
