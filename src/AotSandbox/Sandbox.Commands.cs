using AotSandbox.Session;

namespace AotSandbox;

/// <summary>Background (detached) commands, re-attach, and id-based stdin/kill.</summary>
public sealed partial class Sandbox
{
    /// <summary>
    /// Starts a long-lived background command and returns once the server acknowledged it with its pid. At most 5 may run
    /// at once per sandbox (enforced by the server).
    /// </summary>
    /// <param name="command">The command line.</param>
    /// <param name="options">Stdin and output callback.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement.</param>
    /// <returns>The handle to wait for, write to, kill, or read output from.</returns>
    /// <exception cref="SandboxClientException">A timeout was set, or the server refused the command.</exception>
    public async Task<DetachedCommand> StartDetachedAsync(string command, DetachedExecOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (options?.Timeout is not null)
        {
            throw new SandboxClientException("timeout is not supported for detached commands");
        }

        CommandInfo started = await RequireSession()
            .StartDetachedAsync(command, options?.OnOutput, options?.Stdin, options?.StdinBytes, cancellationToken).ConfigureAwait(false);
        return ToDetachedCommand(started);
    }

    /// <summary>
    /// Re-attaches to a running command by id (e.g. one started by another connection). On the connection that started
    /// it, the new callback is chained after the existing one and the wait is shared.
    /// </summary>
    /// <param name="execId">The command's id.</param>
    /// <param name="onOutput">Receives output from now on.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The handle.</returns>
    /// <exception cref="SandboxCommandNotFoundException">The server answered with any error (exited or unknown command).</exception>
    public Task<DetachedCommand> GetCommandAsync(string execId, OutputHandler? onOutput = null, CancellationToken cancellationToken = default)
        => GetCommandAsync(execId, new GetCommandOptions { OnOutput = onOutput }, cancellationToken);

    /// <summary>Re-attaches to a command by id, optionally replaying retained output when the server supports it.</summary>
    /// <param name="execId">The command's id.</param>
    /// <param name="options">Output callback and replay.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The handle.</returns>
    /// <exception cref="SandboxCommandNotFoundException">The server answered with any error.</exception>
    public async Task<DetachedCommand> GetCommandAsync(string execId, GetCommandOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(execId);
        bool replay = options?.Replay == true && HasExtension(SandboxExtensionNames.ExecReplay);
        CommandInfo info = await RequireSession().GetCommandAsync(execId, options?.OnOutput, replay, cancellationToken).ConfigureAwait(false);
        return ToDetachedCommand(info);
    }

    /// <summary>Writes text to a command's stdin (sent as-is).</summary>
    /// <param name="execId">The command's id.</param>
    /// <param name="data">The text.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when sent (the server sends no reply).</returns>
    public async Task WriteStdinAsync(string execId, string data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execId);
        ArgumentNullException.ThrowIfNull(data);
        await RequireSession().SendInputAsync(execId, data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes bytes to a command's stdin (base64 on the wire).</summary>
    /// <param name="execId">The command's id.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when sent.</returns>
    public async Task WriteStdinAsync(string execId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execId);
        await RequireSession().SendInputAsync(execId, data.Span, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes a command's stdin (end of input).</summary>
    /// <param name="execId">The command's id.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when sent.</returns>
    public async Task CloseStdinAsync(string execId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execId);
        await RequireSession().SendEndInputAsync(execId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a signal to a command's process tree (no reply; the command's exit follows).</summary>
    /// <param name="execId">The command's id.</param>
    /// <param name="signal">Signal name, e.g. <c>SIGTERM</c> (default), <c>SIGKILL</c>, <c>SIGINT</c>.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when sent.</returns>
    public async Task KillAsync(string execId, string signal = "SIGTERM", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execId);
        await RequireSession().SendKillAsync(execId, string.IsNullOrEmpty(signal) ? "SIGTERM" : signal, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The public handle for what the session learned about a background command.</summary>
    private DetachedCommand ToDetachedCommand(CommandInfo info)
        => new(this, info.Exec, info.Command, info.Pid, info.StartedAt, info.Detached, info.Destroyed, info.ExecId);
}
