using System.Buffers;
using System.Buffers.Text;
using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary>Routing of server frames to pending operations (docs/PROTOCOL.md §3.3).</summary>
internal sealed partial class SandboxSession
{
    /// <summary>
    /// Routes one message. Order: (1) <c>exec.info</c>, or an <c>error</c> for a pending <c>exec.get</c> → re-attach;
    /// (2) a pending file operation; (3) a pending or monitored command; (4) otherwise dropped silently — as are
    /// non-JSON messages, non-objects, unknown types and frames without <c>execId</c>.
    /// Precondition: <paramref name="payload"/> is well-formed UTF-8 (the receive loop only dispatches validated
    /// messages), so the frame reader need not check its strings a second time.
    /// </summary>
    internal void Dispatch(in ReadOnlySequence<byte> payload)
    {
        if (!ServerFrameReader.TryRead(payload, knownValidUtf8: true, ref _contiguousBuffer, out ServerFrame frame) || !frame.ExecId.IsPresent)
        {
            return;
        }

        FrameId key = FrameId.From(frame.ExecId);
        if (frame.Type is FrameType.ExecInfo or FrameType.Error)
        {
            PendingGet? get;
            lock (_gate)
            {
                _gets.Remove(key, out get);
            }

            if (get is not null)
            {
                CompleteGet(get, ref frame);
                return;
            }

            if (frame.Type == FrameType.ExecInfo)
            {
                return;
            }
        }

        PendingFileOperation? file;
        lock (_gate)
        {
            _files.TryGetValue(key, out file);
        }

        if (file is not null)
        {
            RouteFile(file, ref frame);
            return;
        }

        PendingExec? exec;
        lock (_gate)
        {
            _execs.TryGetValue(key, out exec);
        }

        if (exec is not null)
        {
            RouteExec(exec, ref frame);
        }
    }

    /// <summary>
    /// Routes a binary <c>file.content</c> (<c>file.binary</c>, docs/PROTOCOL.md §4.7) to its pending read. Dropped
    /// silently, like a malformed JSON message: a broken prefix, a header that is not valid UTF-8 JSON, a type other
    /// than <c>file.content</c>, and an id with no pending read (an answer to a read given up on, or to nothing).
    /// </summary>
    internal void DispatchEnvelope(in ReadOnlySequence<byte> message)
    {
        if (!BinaryFileFrame.TrySplit(message, out ReadOnlySequence<byte> header, out ReadOnlySequence<byte> data)
            || !ServerFrameReader.TryRead(header, knownValidUtf8: true, ref _contiguousBuffer, out ServerFrame frame)
            || frame.Type != FrameType.FileContent
            || !frame.ExecId.IsPresent)
        {
            return;
        }

        FrameId key = FrameId.From(frame.ExecId);
        PendingFileOperation? file;
        lock (_gate)
        {
            _files.TryGetValue(key, out file);
        }

        if (file is not null && file.TryCompleteBinary(ref frame, data))
        {
            Remove(file);
        }
    }

    private void RouteExec(PendingExec exec, ref ServerFrame frame)
    {
        switch (frame.Type)
        {
            case FrameType.ExecOutput:
                DeliverOutput(exec, ref frame);
                if (exec.Stream?.TakePause() is { } pause)
                {
                    _pause = pause; // the receive loop awaits it before its next read (back-pressure to the socket)
                }

                break;

            case FrameType.ExecDetached:
                exec.Acked = true;
                exec.Ack?.TrySetResult(new CommandInfo(
                    exec, exec.ExecId, exec.Command, frame.Pid, StartedAt(frame.StartedAt), Detached: true, Destroyed: false));
                break;

            case FrameType.ExecExit:
                Remove(exec);
                if (_intentionalClose)
                {
                    // Our own DELETE is in flight: a service that settles the commands it kills (exec.exit 137 before
                    // its close) reports that kill, and this client promises destroyed results for pending work.
                    exec.ResolveDestroyed();
                }
                else
                {
                    exec.Complete(frame.ExitCode ?? -1);
                }

                break;

            case FrameType.Error:
                Remove(exec);
                exec.Fail(ErrorFrame(ref frame, $"Command '{exec.ExecId}' failed"));
                break;

            default:
                break;
        }
    }

    /// <summary>The hot path: passes the output bytes straight from the message when unescaped, else via a reused buffer.</summary>
    private void DeliverOutput(PendingExec exec, ref ServerFrame frame)
    {
        JsonText data = frame.Data;
        if (frame.IsBase64)
        {
            // Terminal output (exec.pty): raw bytes. Base64 has no JSON escapes, so its text decodes straight from the
            // message into the reused buffer; a payload that is not base64 is dropped like any malformed output.
            if (data.IsEscaped || _unescapeBuffer.Length < data.MaxLength)
            {
                if (data.IsEscaped)
                {
                    return;
                }

                GrowUnescapeBuffer(data.MaxLength);
            }

            if (Base64.DecodeFromUtf8(data.Raw, _unescapeBuffer, out _, out int written) == OperationStatus.Done)
            {
                exec.OnOutput(frame.Stream, _unescapeBuffer.AsSpan(0, written));
            }

            return;
        }

        if (!data.IsEscaped)
        {
            exec.OnOutput(frame.Stream, data.Raw);
            return;
        }

        if (_unescapeBuffer.Length < data.MaxLength)
        {
            GrowUnescapeBuffer(data.MaxLength);
        }

        int length = data.CopyTo(_unescapeBuffer);
        exec.OnOutput(frame.Stream, _unescapeBuffer.AsSpan(0, length));
    }

    private void GrowUnescapeBuffer(int minimum)
    {
        byte[] old = _unescapeBuffer;
        _unescapeBuffer = ArrayPool<byte>.Shared.Rent(Math.Max(minimum, 4096));
        if (old.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }

    private void RouteFile(PendingFileOperation file, ref ServerFrame frame)
    {
        if (frame.Type == FrameType.Error)
        {
            Remove(file);
            file.Fail(ErrorFrame(ref frame, $"File operation failed for path '{file.Path}'"));
            return;
        }

        if (file.TryComplete(ref frame))
        {
            Remove(file);
        }
    }

    /// <summary>
    /// <c>exec.info</c> → a handle. When this connection already listens to the command, the new handler is chained and
    /// the wait is shared; otherwise a monitor is registered now, before the next frame (possibly replayed output) is read.
    /// </summary>
    private void CompleteGet(PendingGet get, ref ServerFrame frame)
    {
        if (frame.Type == FrameType.Error)
        {
            string message = frame.Message.GetString() ?? $"No running command with id '{get.ExecId}'";
            get.Completion.TrySetException(new SandboxCommandNotFoundException(message) { ErrorCode = frame.Code.GetString() });
            return;
        }

        string? command = frame.Command.GetString();
        PendingExec monitor;
        lock (_gate)
        {
            if (_execs.TryGetValue(get.Key, out PendingExec? existing))
            {
                monitor = existing;
                if (get.OnOutput is not null)
                {
                    existing.AddHandler(get.OnOutput);
                }
            }
            else
            {
                monitor = new PendingExec(get.Key, get.ExecId, command, detached: true, get.OnOutput, capture: false) { Acked = true };
                monitor.Ack!.TrySetCanceled();
                _execs[get.Key] = monitor;
            }
        }

        monitor.Command ??= command;
        get.Completion.TrySetResult(new CommandInfo(
            monitor, monitor.ExecId, command, frame.Pid, StartedAt(frame.StartedAt), frame.Detached ?? true, Destroyed: false));
    }

    private static SandboxClientException ErrorFrame(ref ServerFrame frame, string fallback)
        => new(frame.Message.GetString() ?? fallback) { ErrorCode = frame.Code.GetString() };

    /// <summary><c>startedAt</c> in milliseconds or seconds: values below 10^11 are seconds (10^11 ms is 1973).</summary>
    internal static DateTimeOffset? StartedAt(double? value)
    {
        if (value is not { } v || double.IsNaN(v) || double.IsInfinity(v))
        {
            return null;
        }

        double ms = v < 1e11 ? v * 1000 : v;
        if (ms < -62135596800000 || ms > 253402300799999)
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
    }

    private void Remove(PendingExec exec)
    {
        lock (_gate)
        {
            if (_execs.TryGetValue(exec.Key, out PendingExec? current) && ReferenceEquals(current, exec))
            {
                _execs.Remove(exec.Key);
            }
        }
    }

    private void Remove(PendingFileOperation file)
    {
        lock (_gate)
        {
            _files.Remove(file.Key);
        }
    }
}
