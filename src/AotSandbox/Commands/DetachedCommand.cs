using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using AotSandbox.Session;

namespace AotSandbox;

/// <summary>
/// A background command (<see cref="Sandbox.StartDetachedAsync"/>, <see cref="Sandbox.GetCommandAsync(string, OutputHandler?, CancellationToken)"/>):
/// wait for it, write its stdin, signal it, or follow its output.
/// </summary>
public sealed class DetachedCommand
{
    private readonly Sandbox _sandbox;
    private readonly PendingExec? _pending;

    internal DetachedCommand(
        Sandbox sandbox, PendingExec? pending, string? command, long? pid, DateTimeOffset? startedAt, bool detached, bool destroyed, string? execId = null)
    {
        _sandbox = sandbox;
        _pending = pending;
        ExecId = pending?.ExecId ?? execId ?? string.Empty;
        Command = command;
        Pid = pid;
        StartedAt = startedAt;
        Detached = detached;
        Destroyed = destroyed;
    }

    /// <summary>The command's id.</summary>
    public string ExecId { get; }

    /// <summary>The command line, when known (re-attach reports it; start knows it).</summary>
    public string? Command { get; }

    /// <summary>Process id inside the sandbox; <see langword="null"/> when the server did not report one (or destroyed).</summary>
    public long? Pid { get; }

    /// <summary>Start time; the server's <c>startedAt</c> is accepted in milliseconds or seconds (values below 10^11).</summary>
    public DateTimeOffset? StartedAt { get; }

    /// <summary>Whether the server reports the command as detached.</summary>
    public bool Detached { get; }

    /// <summary>Whether the sandbox was destroyed before the command was acknowledged or re-attached.</summary>
    public bool Destroyed { get; }

    /// <summary>Waits until the command exits (or the sandbox is destroyed). Several waits share one outcome.</summary>
    /// <param name="cancellationToken">Stops waiting (the command keeps running).</param>
    /// <returns>How it ended.</returns>
    /// <exception cref="SandboxClientException">The server reported an error for the command.</exception>
    /// <exception cref="SandboxWebSocketException">The connection closed unexpectedly.</exception>
    public Task<CommandExit> WaitAsync(CancellationToken cancellationToken = default)
        => _pending is null ? Task.FromResult(new CommandExit(null, destroyed: true)) : _pending.Exit.Task.WaitAsync(cancellationToken);

    /// <summary>Writes text to the command's stdin.</summary>
    /// <param name="data">The text.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when sent.</returns>
    public Task WriteStdinAsync(string data, CancellationToken cancellationToken = default) => _sandbox.WriteStdinAsync(ExecId, data, cancellationToken);

    /// <summary>Writes bytes to the command's stdin.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when sent.</returns>
    public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => _sandbox.WriteStdinAsync(ExecId, data, cancellationToken);

    /// <summary>Closes the command's stdin.</summary>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when sent.</returns>
    public Task CloseStdinAsync(CancellationToken cancellationToken = default) => _sandbox.CloseStdinAsync(ExecId, cancellationToken);

    /// <summary>Sends a signal to the command.</summary>
    /// <param name="signal">Signal name (default <c>SIGTERM</c>).</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when sent.</returns>
    public Task KillAsync(string signal = "SIGTERM", CancellationToken cancellationToken = default) => _sandbox.KillAsync(ExecId, signal, cancellationToken);

    /// <summary>Adds an output callback (chained after the existing ones).</summary>
    /// <param name="handler">The callback.</param>
    public void AddOutputHandler(OutputHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _pending?.AddHandler(handler);
    }

    /// <summary>Removes an output callback added earlier.</summary>
    /// <param name="handler">The callback.</param>
    public void RemoveOutputHandler(OutputHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _pending?.RemoveHandler(handler);
    }

    /// <summary>
    /// Streams the output that arrives from now on as text chunks; ends when the command exits (or the sandbox is
    /// destroyed). Earlier output is not included.
    /// </summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The output.</returns>
    public async IAsyncEnumerable<OutputChunk> ReadOutputAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_pending is null)
        {
            yield break;
        }

        var channel = Channel.CreateUnbounded<OutputChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        OutputHandler handler = (stream, data) => channel.Writer.TryWrite(new OutputChunk(stream, Encoding.UTF8.GetString(data)));
        _pending.AddHandler(handler);
        _ = _pending.Exit.Task.ContinueWith(
            static (_, state) => ((ChannelWriter<OutputChunk>)state!).TryComplete(),
            channel.Writer,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        try
        {
            await foreach (OutputChunk chunk in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return chunk;
            }
        }
        finally
        {
            _pending.RemoveHandler(handler);
        }
    }
}
