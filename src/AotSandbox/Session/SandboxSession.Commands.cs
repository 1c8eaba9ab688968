using System.Globalization;
using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary>
/// Commands on this connection, request and reply halves together: foreground runs, detached starts, re-attach, and
/// the id-based stdin and signal frames. Completes with plain data (<see cref="ExecOutcome"/>, <see cref="CommandInfo"/>);
/// the <see cref="Sandbox"/> facade builds the public objects.
/// </summary>
internal sealed partial class SandboxSession
{
    /// <summary>Registers a foreground command before anything is sent, so no early frame of it can be missed.</summary>
    public PendingExec RegisterForeground(string command, OutputHandler? onOutput, bool capture, ExecStreamBuffer? stream = null)
    {
        FrameId key = FrameId.NewExec();
        var pending = new PendingExec(key, key.ToString(), command, detached: false, onOutput, capture) { Stream = stream };
        if (stream is not null)
        {
            stream.ExecId = pending.ExecId;
        }

        Register(pending);
        return pending;
    }

    /// <summary>
    /// Sends a registered foreground command and waits for its end. The timeout and cancellation are client-side: on
    /// expiry the command stops being listened to, gets SIGTERM, and the call fails (docs/PROTOCOL.md §3.6).
    /// </summary>
    public async Task<ExecOutcome> RunForegroundAsync(
        PendingExec pending, string command, TimeSpan? timeout, string? stdin, ReadOnlyMemory<byte>? stdinBytes, CancellationToken userToken)
    {
        try
        {
            await SendRunAsync(pending.ExecId, command, detached: false, stdin, stdinBytes, userToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Unregister(pending);
            pending.Fail(ex);
            throw;
        }

        Task<ExecOutcome> result = pending.Result!.Task;
        if (timeout is null && !userToken.CanBeCanceled)
        {
            return await result.ConfigureAwait(false);
        }

        using var timer = timeout is { } t ? new CancellationTokenSource(t < TimeSpan.Zero ? TimeSpan.Zero : t) : null;
        using var linked = timer is null
            ? CancellationTokenSource.CreateLinkedTokenSource(userToken)
            : CancellationTokenSource.CreateLinkedTokenSource(userToken, timer.Token);
        try
        {
            return await result.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!result.IsCompleted)
        {
            // Client-side expiry: stop listening first (later frames are dropped), then ask the server to stop the process.
            Unregister(pending);
            await TryKillAsync(pending.ExecId).ConfigureAwait(false);
            Exception error = userToken.IsCancellationRequested
                ? new OperationCanceledException($"Command '{command}' was cancelled", null, userToken)
                : new SandboxTimeoutException(string.Create(
                    CultureInfo.InvariantCulture, $"Command '{command}' exceeded timeout of {(long)timeout!.Value.TotalMilliseconds}ms"));
            pending.Fail(error);
            throw error;
        }
        catch (OperationCanceledException)
        {
            return await result.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends <c>exec.run</c> with a terminal for a registered foreground command (exec.pty); its end arrives on the
    /// pending command's result like any foreground command's.
    /// </summary>
    public async Task StartPtyAsync(PendingExec pending, string command, int rows, int cols, CancellationToken cancellationToken)
    {
        try
        {
            FrameBuilder run = RentBuilder();
            ClientFrameWriter.WriteExecRunPty(run.Writer, pending.ExecId, command, rows, cols);
            await SendAsync(run, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Unregister(pending);
            pending.Fail(ex);
            throw;
        }
    }

    /// <summary>Sends <c>exec.resize</c> (no reply).</summary>
    public ValueTask SendResizeAsync(string execId, int rows, int cols, CancellationToken cancellationToken)
    {
        FrameBuilder frame = RentBuilder();
        ClientFrameWriter.WriteExecResize(frame.Writer, execId, rows, cols);
        return SendAsync(frame, cancellationToken);
    }

    /// <summary>Starts a detached command and waits for its <c>exec.detached</c> acknowledgement (docs/PROTOCOL.md §3.7).</summary>
    public async Task<CommandInfo> StartDetachedAsync(
        string command, OutputHandler? onOutput, string? stdin, ReadOnlyMemory<byte>? stdinBytes, CancellationToken cancellationToken)
    {
        FrameId key = FrameId.NewExec();
        string execId = key.ToString();
        var pending = new PendingExec(key, execId, command, detached: true, onOutput, capture: false);
        Register(pending);
        try
        {
            await SendRunAsync(execId, command, detached: true, stdin, stdinBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Unregister(pending);
            pending.Fail(ex);
            throw;
        }

        return await pending.Ack!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Re-attaches with <c>exec.get</c> and waits for <c>exec.info</c> or the error that means "not found".</summary>
    public async Task<CommandInfo> GetCommandAsync(string execId, OutputHandler? onOutput, bool replay, CancellationToken cancellationToken)
    {
        var get = new PendingGet(FrameId.From(execId), execId, onOutput);
        Register(get);
        try
        {
            FrameBuilder frame = RentBuilder();
            ClientFrameWriter.WriteExecGet(frame.Writer, execId, replay);
            await SendAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Unregister(get);
            throw;
        }

        try
        {
            return await get.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!get.Completion.Task.IsCompleted)
        {
            Unregister(get);
            throw;
        }
    }

    /// <summary>
    /// Listens to a detached command that a previous connection was following (resume after reconnect): the same
    /// <see cref="PendingExec"/> (handlers, wait, byte counts) is registered here, then re-attached with <c>exec.get</c>;
    /// its <c>exec.info</c> finds it registered and shares it (see CompleteGet).
    /// </summary>
    public async Task ResumeAsync(PendingExec exec, bool replay, CancellationToken cancellationToken)
    {
        if (replay)
        {
            exec.PrepareReplay();
        }
        else
        {
            exec.PrepareLive();
        }

        Register(exec);
        try
        {
            await GetCommandAsync(exec.ExecId, onOutput: null, replay, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Remove(exec);
            throw;
        }
    }

    /// <summary>Sends text to a command's stdin (no reply).</summary>
    public ValueTask SendInputAsync(string execId, string data, CancellationToken cancellationToken)
    {
        FrameBuilder frame = RentBuilder();
        ClientFrameWriter.WriteExecInput(frame.Writer, execId, data.AsSpan());
        return SendAsync(frame, cancellationToken);
    }

    /// <summary>Sends bytes to a command's stdin (base64 on the wire; no reply).</summary>
    public ValueTask SendInputAsync(string execId, ReadOnlySpan<byte> data, CancellationToken cancellationToken)
    {
        FrameBuilder frame = RentBuilder();
        ClientFrameWriter.WriteExecInput(frame.Writer, execId, data);
        return SendAsync(frame, cancellationToken);
    }

    /// <summary>Closes a command's stdin (no reply).</summary>
    public ValueTask SendEndInputAsync(string execId, CancellationToken cancellationToken)
    {
        FrameBuilder frame = RentBuilder();
        ClientFrameWriter.WriteExecEndInput(frame.Writer, execId);
        return SendAsync(frame, cancellationToken);
    }

    /// <summary>Signals a command's process tree (no reply; its exit follows).</summary>
    public ValueTask SendKillAsync(string execId, string signal, CancellationToken cancellationToken)
    {
        FrameBuilder frame = RentBuilder();
        ClientFrameWriter.WriteExecKill(frame.Writer, execId, signal);
        return SendAsync(frame, cancellationToken);
    }

    /// <summary>Sends <c>exec.run</c> and, with stdin, <c>exec.input</c> + <c>exec.endInput</c> back-to-back (no reply awaited).</summary>
    private async Task SendRunAsync(
        string execId, string command, bool detached, string? stdin, ReadOnlyMemory<byte>? stdinBytes, CancellationToken cancellationToken)
    {
        FrameBuilder run = RentBuilder();
        ClientFrameWriter.WriteExecRun(run.Writer, execId, command, detached);
        await SendAsync(run, cancellationToken).ConfigureAwait(false);
        if (stdin is null && stdinBytes is null)
        {
            return;
        }

        if (stdin is not null)
        {
            await SendInputAsync(execId, stdin, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await SendInputAsync(execId, stdinBytes!.Value.Span, cancellationToken).ConfigureAwait(false);
        }

        await SendEndInputAsync(execId, cancellationToken).ConfigureAwait(false);
    }

    private async Task TryKillAsync(string execId)
    {
        try
        {
            await SendKillAsync(execId, "SIGTERM", CancellationToken.None).ConfigureAwait(false);
        }
        catch (SandboxException)
        {
            // The connection is gone; the command dies with it (foreground) or the caller learns on the next call.
        }
    }
}
