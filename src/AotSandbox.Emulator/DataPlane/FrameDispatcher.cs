using System.Buffers;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// Acts on the frames of one authenticated connection. Quick frames are handled inline (so input queued right after
/// <c>exec.run</c> finds its exec); slow work (spawn, re-attach, file I/O) runs in the background, bounded per connection.
/// </summary>
#pragma warning disable CA1001 // SemaphoreSlim needs disposal only when its AvailableWaitHandle was used, which it never is here.
internal sealed class FrameDispatcher
#pragma warning restore CA1001
{
    private readonly EmulatedSandbox _sandbox;
    private readonly SandboxConnection _connection;
    private readonly FileOperations _files;
    private readonly SemaphoreSlim _fileSlots = new(DataPlaneLimits.MaxConcurrentFileOps, DataPlaneLimits.MaxConcurrentFileOps);
    private readonly ILogger _logger;

    /// <summary>Strict-protocol mode: no extension is honoured (replay ignored, ranged files refused).</summary>
    private readonly bool _strictProtocol;

    public FrameDispatcher(EmulatedSandbox sandbox, SandboxConnection connection, bool strictProtocol, ILogger logger)
    {
        _sandbox = sandbox;
        _connection = connection;
        _strictProtocol = strictProtocol;
        _logger = logger;
        _files = new FileOperations(sandbox.Instance, allowExtensions: !strictProtocol);
    }

    /// <summary>
    /// The checks every request frame passes, JSON or binary envelope: fields of the right JSON type and an execId of
    /// bounded length. Answers INVALID_REQUEST and returns true when the frame fails them.
    /// </summary>
    private async ValueTask<bool> RejectedAsMalformedAsync(ClientFrame frame)
    {
        if (frame.InvalidField is { } field)
        {
            await ReplyErrorAsync(frame.ExecId, ErrorCodes.InvalidRequest, $"field '{field}' has the wrong JSON type").ConfigureAwait(false);
            return true;
        }

        if (string.IsNullOrEmpty(frame.ExecId) || frame.ExecId.Length > DataPlaneLimits.MaxExecIdChars)
        {
            await ReplyErrorAsync(null, ErrorCodes.InvalidRequest, $"'{frame.TypeName}' needs an 'execId' string of 1..{DataPlaneLimits.MaxExecIdChars} characters").ConfigureAwait(false);
            return true;
        }

        return false;
    }

    public async ValueTask DispatchAsync(ClientFrame frame)
    {
        if (frame.Type == ClientFrameType.Auth)
        {
            return; // A repeated auth after success changes nothing; clients ignore late auth frames too.
        }

        if (await RejectedAsMalformedAsync(frame).ConfigureAwait(false))
        {
            return;
        }

        string execId = frame.ExecId!;
        switch (frame.Type)
        {
            case ClientFrameType.ExecRun:
                await RunAsync(execId, frame).ConfigureAwait(false);
                break;
            case ClientFrameType.ExecInput:
                await InputAsync(execId, frame).ConfigureAwait(false);
                break;
            case ClientFrameType.ExecEndInput:
                if (_sandbox.Execs.FindForControl(execId) is { } eofTarget)
                {
                    eofTarget.QueueEndInput();
                }
                else
                {
                    await ReplyNotFoundAsync(execId).ConfigureAwait(false);
                }

                break;
            case ClientFrameType.ExecKill:
                await KillAsync(execId, frame).ConfigureAwait(false);
                break;
            case ClientFrameType.ExecResize when !_strictProtocol:
                await ResizeAsync(execId, frame).ConfigureAwait(false);
                break;
            case ClientFrameType.ExecGet:
                // The real service knows no replay: a strict server answers as if the field were absent.
                bool replay = frame.Replay && !_strictProtocol;
                if (_sandbox.Execs.FindForAttach(execId, replay) is { } attachTarget)
                {
                    Background(attachTarget.AttachAsync(_connection, replay));
                }
                else
                {
                    await ReplyNotFoundAsync(execId).ConfigureAwait(false);
                }

                break;
            case ClientFrameType.FileRead:
            case ClientFrameType.FileWrite:
            case ClientFrameType.FileList:
                await _fileSlots.WaitAsync(_connection.Closing).ConfigureAwait(false);
                Background(RunFileOperationAsync(frame));
                break;
            default:
                await ReplyErrorAsync(execId, ErrorCodes.Unsupported, $"unknown frame type '{Truncate(frame.TypeName)}'").ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// A <c>file.write</c> that came as a binary envelope (docs/PROTOCOL.md §4.7): the header's fields are checked as a
    /// JSON frame's are, and the data (<paramref name="buffer"/>[start..start+length], a pooled array this call now
    /// owns) goes to the sandbox as it is. The header must not carry <c>content</c> or <c>encoding</c>: which bytes
    /// to write would be ambiguous.
    /// </summary>
    public async ValueTask DispatchBinaryWriteAsync(ClientFrame header, byte[] buffer, int start, int length)
    {
        bool handedOver = false;
        try
        {
            if (await RejectedAsMalformedAsync(header).ConfigureAwait(false))
            {
                return;
            }

            if (header.Content is not null || header.Encoding is not null)
            {
                await ReplyErrorAsync(header.ExecId, ErrorCodes.InvalidRequest,
                    "a binary file.write carries its bytes after the header: its header must have no 'content' or 'encoding'").ConfigureAwait(false);
                return;
            }

            await _fileSlots.WaitAsync(_connection.Closing).ConfigureAwait(false);
            handedOver = true;
            Background(RunFileOperationAsync(header with { BinaryContent = buffer.AsMemory(start, length) }, buffer));
        }
        finally
        {
            if (!handedOver)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async ValueTask RunAsync(string execId, ClientFrame frame)
    {
        if (string.IsNullOrEmpty(frame.Command) || frame.Command.Length > DataPlaneLimits.MaxCommandChars)
        {
            await ReplyErrorAsync(execId, ErrorCodes.InvalidRequest, "'exec.run' needs a non-empty 'command' string (at most 256 Ki characters)").ConfigureAwait(false);
            return;
        }

        if (_sandbox.IsEnding)
        {
            // Teardown has already settled the running commands; one started now would get no exec.exit before the close.
            await ReplyErrorAsync(execId, ErrorCodes.NotFound, "the sandbox is being destroyed").ConfigureAwait(false);
            return;
        }

        TerminalSize? terminal = null;
        if (frame.PtyRequested)
        {
            if (_strictProtocol)
            {
                // Refused rather than ignored: run without a terminal, an interactive shell would wait on a pipe forever.
                await ReplyErrorAsync(execId, ErrorCodes.Unsupported, "this server does not offer the exec.pty extension (strict protocol): run the command without 'pty'").ConfigureAwait(false);
                return;
            }

            if (frame.Detached)
            {
                await ReplyErrorAsync(execId, ErrorCodes.InvalidRequest, "a terminal ('pty') exec cannot be detached: it ends with its connection").ConfigureAwait(false);
                return;
            }

            if (SizeOf(frame) is not { } size)
            {
                await ReplyErrorAsync(execId, ErrorCodes.InvalidRequest, TerminalSizeHint("'pty'")).ConfigureAwait(false);
                return;
            }

            terminal = size;
        }

        ExecProcess? exec = _sandbox.Execs.TryAdd(execId, frame.Command, frame.Detached, terminal, _connection, out string? code, out string? message);
        if (exec is null)
        {
            await ReplyErrorAsync(execId, code!, message!).ConfigureAwait(false);
            return;
        }

        // Not tied to this connection: a detached exec outlives it (a foreground one is killed through the exec table).
        Background(exec.StartAsync(_sandbox.Instance, CancellationToken.None));
    }

    private async ValueTask InputAsync(string execId, ClientFrame frame)
    {
        ExecProcess? exec = _sandbox.Execs.FindForControl(execId);
        if (exec is null)
        {
            await ReplyNotFoundAsync(execId).ConfigureAwait(false);
            return;
        }

        byte[] data;
        if (frame.Encoding == "base64")
        {
            try
            {
                data = Convert.FromBase64String(frame.Data ?? string.Empty);
            }
            catch (FormatException)
            {
                await ReplyErrorAsync(execId, ErrorCodes.InvalidRequest, "'data' is not valid base64").ConfigureAwait(false);
                return;
            }
        }
        else
        {
            data = System.Text.Encoding.UTF8.GetBytes(frame.Data ?? string.Empty);
        }

        if (!exec.TryQueueInput(data))
        {
            await ReplyErrorAsync(execId, ErrorCodes.StdinOverflow,
                $"more than {DataPlaneLimits.MaxPendingStdinBytes / (1024 * 1024)} MiB of stdin is waiting for the process to read it; this chunk was dropped").ConfigureAwait(false);
        }
    }

    private async ValueTask ResizeAsync(string execId, ClientFrame frame)
    {
        if (_sandbox.Execs.FindForControl(execId) is not { } exec)
        {
            await ReplyNotFoundAsync(execId).ConfigureAwait(false);
        }
        else if (exec.Terminal is null)
        {
            await ReplyErrorAsync(execId, ErrorCodes.InvalidRequest, "'exec.resize' is only for a command started with 'pty'").ConfigureAwait(false);
        }
        else if (SizeOf(frame) is not { } size)
        {
            await ReplyErrorAsync(execId, ErrorCodes.InvalidRequest, TerminalSizeHint("'exec.resize'")).ConfigureAwait(false);
        }
        else
        {
            Background(exec.ResizeAsync(size));
        }
    }

    private static TerminalSize? SizeOf(ClientFrame frame)
    {
        if (frame.Rows is not { } rows || frame.Cols is not { } cols || rows > TerminalSize.MaxDimension || cols > TerminalSize.MaxDimension)
        {
            return null;
        }

        var size = new TerminalSize((int)rows, (int)cols);
        return size.IsValid ? size : null;
    }

    private static string TerminalSizeHint(string what) =>
        $"{what} needs integer 'rows' and 'cols' of 1..{TerminalSize.MaxDimension}";

    private async ValueTask KillAsync(string execId, ClientFrame frame)
    {
        if (!SignalNames.TryParse(frame.Signal, out int signal))
        {
            await ReplyErrorAsync(execId, ErrorCodes.InvalidSignal,
                "unknown signal; use SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGSTOP, SIGCONT or a number 1..64").ConfigureAwait(false);
            return;
        }

        if (_sandbox.Execs.FindForControl(execId) is { } exec)
        {
            Background(exec.SignalAsync(signal));
        }
        else
        {
            await ReplyNotFoundAsync(execId).ConfigureAwait(false);
        }
    }

    /// <param name="frame">The operation.</param>
    /// <param name="pooled">The pooled array a binary write's data lives in; returned once the write is done.</param>
    private async Task RunFileOperationAsync(ClientFrame frame, byte[]? pooled = null)
    {
        try
        {
            OutgoingMessage reply = await _files.HandleAsync(frame, _connection.Closing).ConfigureAwait(false);
            await _connection.SendAsync(reply).ConfigureAwait(false);
        }
        finally
        {
            _fileSlots.Release();
            if (pooled is not null)
            {
                ArrayPool<byte>.Shared.Return(pooled);
            }
        }
    }

    private ValueTask ReplyNotFoundAsync(string execId) =>
        ReplyErrorAsync(execId, ErrorCodes.NotFound, "no running process for execId");

    private ValueTask ReplyErrorAsync(string? execId, string code, string message) =>
        _connection.SendAsync(ServerFrames.Error(execId, code, message));

    /// <summary>Runs work without blocking the reader; failures are logged, never thrown into the socket loop.</summary>
    private void Background(Task work)
    {
        if (!work.IsCompleted)
        {
            _ = work.ContinueWith(
                static (t, state) => ((FrameDispatcher)state!).LogFailure(t),
                this,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        else if (work.IsFaulted)
        {
            LogFailure(work);
        }
    }

    private void LogFailure(Task task)
    {
        if (task.Exception is { } e && e.InnerException is not OperationCanceledException)
        {
            EmulatorLog.FrameFailed(_logger, _connection.Id, e.GetBaseException());
        }
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
