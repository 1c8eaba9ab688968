using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using AotSandbox.Protocol.WebSocket;

namespace AotSandbox.Transport;

internal sealed partial class WebSocketConnection
{
    /// <summary>What the last returned message is borrowing, i.e. what <see cref="ReleaseMessage"/> must give back.</summary>
    private enum Held : byte
    {
        Nothing,

        /// <summary>A slice of the pipe: the reader is not advanced until release (zero copy).</summary>
        PipeSlice,

        /// <summary>
        /// The pipe slice was released but the reader is not advanced yet: <see cref="_batch"/> (the rest of the same
        /// read) stays valid, so <see cref="TryReceiveBuffered"/> can hand out the next message without a read. The next
        /// <see cref="ReceiveAsync"/> advances the reader.
        /// </summary>
        PipeReleased,

        /// <summary>The reassembly buffer of a fragmented message.</summary>
        Reassembled,
    }

    /// <summary>What one step over the buffered bytes produced.</summary>
    private enum FrameStep : byte
    {
        /// <summary>A frame was consumed (pong, a fragment); keep parsing.</summary>
        Consumed,

        /// <summary>The next frame is not complete yet.</summary>
        NeedMoreData,

        /// <summary>A single-frame message, still inside the pipe buffer.</summary>
        PipeMessage,

        /// <summary>The last fragment of a message completed the reassembly buffer.</summary>
        ReassembledMessage,

        /// <summary>A ping whose payload sits in <see cref="_controlPayload"/>.</summary>
        Ping,

        /// <summary>The peer's close frame; code and reason in <see cref="_closeCode"/>/<see cref="_closeReason"/>.</summary>
        Close,

        /// <summary>A violation; we close with <see cref="_closeCode"/>/<see cref="_closeReason"/>.</summary>
        Fail,
    }

    // ---- receive-side state: touched only by the single receiver (guarded by _receiving) ----

    /// <summary>1 while a receive (the caller's or CloseAsync's drain) runs.</summary>
    private int _receiving;

    private Held _held;

    /// <summary>
    /// For <see cref="Held.PipeSlice"/> and <see cref="Held.PipeReleased"/>: the unparsed rest of the current read; the
    /// reader advances to its start. <see cref="_batchExamined"/>: whether the rest is known to hold only part of a frame
    /// (then the reader is told it examined everything, so the next read waits for more bytes instead of returning these).
    /// </summary>
    private ReadOnlySequence<byte> _batch;
    private bool _batchExamined;

    /// <summary>Reassembly buffer (pooled), its used length, and the opcode of the message being reassembled (Continuation = none).</summary>
    private byte[]? _fragments;
    private int _fragmentLength;
    private WebSocketOpcode _fragmentOpcode;

    /// <summary>A ping payload copied out of the pipe so the pipe can advance before the pong is written.</summary>
    private readonly byte[] _controlPayload = new byte[WebSocketFrameParser.MaxControlPayloadLength];
    private int _controlLength;

    /// <summary>Set once the connection ended; every later receive returns Closed with these.</summary>
    private bool _ended;
    private int _closeCode;
    private string? _closeReason;

    /// <inheritdoc />
    public ValueTask<TransportMessage> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _receiving, 1, 0) != 0)
        {
            TransportThrowHelper.ThrowConcurrentReceive();
        }

        return ReceiveCoreAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void ReleaseMessage()
    {
        switch (_held)
        {
            case Held.PipeSlice:
                // Only logically: the reader advances on the next ReceiveAsync, so the rest of this read stays parseable.
                _held = Held.PipeReleased;
                break;
            case Held.Reassembled:
                _held = Held.Nothing;
                ReturnFragments();
                break;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Synchronous by design: one socket read of small frames holds dozens of messages, and an await per message
    /// (state machine, pipe read, advance) cost about as much as parsing one. Only plain complete data frames (and pongs)
    /// are taken here; a ping, close, continuation frame or protocol violation is left in place for
    /// <see cref="ReceiveAsync"/>, which parses it again and does what it needs (reply, close, reassemble). Leaving
    /// one in place is safe because such a parse changes no state it does not set again (a continuation frame, which
    /// would append its fragment twice, is recognised by its opcode and never parsed here).
    /// </remarks>
    public bool TryReceiveBuffered(out TransportMessage message)
    {
        message = default;
        if (Interlocked.CompareExchange(ref _receiving, 1, 0) != 0)
        {
            TransportThrowHelper.ThrowConcurrentReceive();
        }

        try
        {
            ReleaseMessage();
            if (_held != Held.PipeReleased || _ended || IsDisposed || _batchExamined)
            {
                return false;
            }

            while (true)
            {
                ReadOnlySequence<byte> rest = _batch;
                ReadOnlySpan<byte> first = rest.FirstSpan;
                if (first.IsEmpty || (WebSocketOpcode)(first[0] & 0x0F) == WebSocketOpcode.Continuation)
                {
                    return false;
                }

                FrameStep step = ParseFrame(ref rest, out message);
                switch (step)
                {
                    case FrameStep.PipeMessage:
                        _batch = rest;
                        _held = Held.PipeSlice;
                        return true;

                    case FrameStep.Consumed:
                        _batch = rest; // a pong, or the first fragment of a message (reassembly continues in ReceiveAsync)
                        continue;

                    case FrameStep.NeedMoreData:
                        _batchExamined = true;
                        return false;

                    default:
                        message = default;
                        return false;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }
    }

    /// <summary>Gives back everything the last message borrowed, advancing the reader past a released batch.</summary>
    private void ReturnHeld()
    {
        ReleaseMessage();
        if (_held == Held.PipeReleased)
        {
            _held = Held.Nothing;
            if (!_ended)
            {
                if (_batchExamined)
                {
                    _reader.AdvanceTo(_batch.Start, _batch.End);
                }
                else
                {
                    _reader.AdvanceTo(_batch.Start);
                }
            }

            _batch = default;
            _batchExamined = false;
        }
    }

    /// <summary>
    /// The whole receive loop in one method: splitting it into several async methods would cost a state machine
    /// each. Pooled builder: the state machine box is reused, so a steady stream of messages allocates nothing.
    /// Caller owns <see cref="_receiving"/>; it is released on exit.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TransportMessage> ReceiveCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            ReturnHeld();
            while (!_ended)
            {
                ReadResult result;
                try
                {
                    result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !IsDisposed)
                {
                    throw;
                }
                catch (Exception ex) when (IsConnectionFailure(ex))
                {
                    return End(WebSocketCloseCodes.AbnormalClosure, null);
                }

                if (result.IsCanceled || IsDisposed)
                {
                    return End(WebSocketCloseCodes.AbnormalClosure, null);
                }

                if (!result.Buffer.IsEmpty)
                {
                    // Any byte proves the path is alive, pongs included (they never surface as messages).
                    Volatile.Write(ref _lastReceivedAt, Environment.TickCount64);
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                FrameStep step;
                TransportMessage message;
                do
                {
                    step = ParseFrame(ref buffer, out message);
                }
                while (step == FrameStep.Consumed);

                switch (step)
                {
                    case FrameStep.PipeMessage:
                        // Zero copy: the payload stays in pipe memory until ReleaseMessage advances past it.
                        _held = Held.PipeSlice;
                        _batch = buffer;
                        return message;

                    case FrameStep.ReassembledMessage:
                        _reader.AdvanceTo(buffer.Start);
                        _held = Held.Reassembled;
                        return message;

                    case FrameStep.NeedMoreData:
                        if (result.IsCompleted)
                        {
                            _reader.AdvanceTo(buffer.Start);
                            return End(WebSocketCloseCodes.AbnormalClosure, null);
                        }

                        _reader.AdvanceTo(buffer.Start, buffer.End);
                        break;

                    case FrameStep.Ping:
                        _reader.AdvanceTo(buffer.Start);
                        if (!await TrySendControlAsync(WebSocketOpcode.Pong, _controlPayload.AsMemory(0, _controlLength), cancellationToken).ConfigureAwait(false))
                        {
                            return End(WebSocketCloseCodes.AbnormalClosure, null);
                        }

                        break;

                    case FrameStep.Close:
                        _reader.AdvanceTo(buffer.Start);
                        _peerClosed.TrySetResult();

                        // Echo the peer's code (RFC 6455 §5.5.1); a close without a code is answered without one.
                        // Not cancellable: the outcome is already decided and a tiny frame does not block.
                        await TrySendCloseAsync(_closeCode == WebSocketCloseCodes.NoStatusReceived ? 0 : _closeCode, null, CancellationToken.None).ConfigureAwait(false);
                        return End(_closeCode, _closeReason);

                    default: // Fail
                        _reader.AdvanceTo(buffer.Start);
                        await TrySendCloseAsync(_closeCode, _closeReason, CancellationToken.None).ConfigureAwait(false);
                        return End(_closeCode, _closeReason);
                }
            }

            return ClosedMessage();
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }
    }

    /// <summary>Parses one frame at the start of <paramref name="buffer"/> and slices past it when consumed.</summary>
    private FrameStep ParseFrame(ref ReadOnlySequence<byte> buffer, out TransportMessage message)
    {
        message = default;
        OperationStatus status = WebSocketFrameParser.TryParse(buffer, expectMasked: false, out WebSocketFrameHeader header, out int headerLength, out WebSocketFrameError error);
        if (status == OperationStatus.NeedMoreData)
        {
            return FrameStep.NeedMoreData;
        }

        if (status != OperationStatus.Done)
        {
            return Fail(WebSocketCloseCodes.ProtocolError, Describe(error));
        }

        bool reassembling = _fragmentOpcode != WebSocketOpcode.Continuation;
        if (!header.IsControl)
        {
            if (reassembling == (header.Opcode != WebSocketOpcode.Continuation))
            {
                return Fail(WebSocketCloseCodes.ProtocolError, reassembling ? "New data message inside a fragmented one." : "Continuation frame without a message to continue.");
            }

            // Judged on the header alone, so an oversize message is refused before its payload is buffered.
            if (header.PayloadLength > _maxMessageBytes - _fragmentLength)
            {
                return Fail(WebSocketCloseCodes.MessageTooBig, "Message exceeds the size limit.");
            }
        }

        if (buffer.Length - headerLength < header.PayloadLength)
        {
            return FrameStep.NeedMoreData;
        }

        ReadOnlySequence<byte> payload = buffer.Slice(headerLength, header.PayloadLength);
        buffer = buffer.Slice(payload.End);
        switch (header.Opcode)
        {
            case WebSocketOpcode.Ping:
                payload.CopyTo(_controlPayload);
                _controlLength = (int)payload.Length;
                return FrameStep.Ping;

            case WebSocketOpcode.Pong:
                return FrameStep.Consumed; // unsolicited or keep-alive: nothing to do

            case WebSocketOpcode.Close:
                return ParseClose(payload);

            case WebSocketOpcode.Continuation:
                AppendFragment(payload);
                if (!header.Fin)
                {
                    return FrameStep.Consumed;
                }

                var kind = _fragmentOpcode == WebSocketOpcode.Text ? TransportMessageKind.Text : TransportMessageKind.Binary;
                _fragmentOpcode = WebSocketOpcode.Continuation;

                // Validated whole, never per fragment: a fragment may end inside a multi-byte sequence.
                var complete = new ReadOnlySequence<byte>(_fragments ?? [], 0, _fragmentLength);
                if (kind == TransportMessageKind.Text && !Utf8Validation.IsValid(complete))
                {
                    ReturnFragments();
                    return Fail(WebSocketCloseCodes.InvalidPayloadData, "Text message is not valid UTF-8.");
                }

                message = new TransportMessage(kind, complete);
                return FrameStep.ReassembledMessage;

            default: // Text or Binary starting a message
                if (!header.Fin)
                {
                    _fragmentOpcode = header.Opcode;
                    AppendFragment(payload);
                    return FrameStep.Consumed;
                }

                if (header.Opcode == WebSocketOpcode.Text && !Utf8Validation.IsValid(payload))
                {
                    return Fail(WebSocketCloseCodes.InvalidPayloadData, "Text message is not valid UTF-8.");
                }

                message = new TransportMessage(header.Opcode == WebSocketOpcode.Text ? TransportMessageKind.Text : TransportMessageKind.Binary, payload);
                return FrameStep.PipeMessage;
        }
    }

    /// <summary>Reads code and reason of the peer's close frame (RFC 6455 §5.5.1, §7.4).</summary>
    private FrameStep ParseClose(ReadOnlySequence<byte> payload)
    {
        if (payload.Length == 0)
        {
            _closeCode = WebSocketCloseCodes.NoStatusReceived;
            _closeReason = null;
            return FrameStep.Close;
        }

        if (payload.Length == 1)
        {
            return Fail(WebSocketCloseCodes.ProtocolError, "Close frame with a one-byte payload.");
        }

        Span<byte> codeBytes = stackalloc byte[2];
        payload.Slice(0, 2).CopyTo(codeBytes);
        int code = BinaryPrimitives.ReadUInt16BigEndian(codeBytes);
        if (!WebSocketCloseCodes.IsValidOnWire(code))
        {
            return Fail(WebSocketCloseCodes.ProtocolError, "Close frame with an invalid status code.");
        }

        ReadOnlySequence<byte> reason = payload.Slice(2);
        if (!Utf8Validation.IsValid(reason))
        {
            return Fail(WebSocketCloseCodes.InvalidPayloadData, "Close reason is not valid UTF-8.");
        }

        _closeCode = code;
        _closeReason = reason.IsEmpty ? null : Encoding.UTF8.GetString(reason);
        return FrameStep.Close;
    }

    private FrameStep Fail(int code, string reason)
    {
        _closeCode = code;
        _closeReason = reason;
        return FrameStep.Fail;
    }

    /// <summary>Copies a fragment into the pooled reassembly buffer, doubling it as needed (bounded by MaxMessageBytes).</summary>
    private void AppendFragment(in ReadOnlySequence<byte> payload)
    {
        int needed = _fragmentLength + (int)payload.Length;
        if (_fragments is null || _fragments.Length < needed)
        {
            int size = Math.Max(needed, Math.Min(_maxMessageBytes, Math.Max(4096, (_fragments?.Length ?? 0) * 2)));
            byte[] larger = ArrayPool<byte>.Shared.Rent(size);
            if (_fragments is not null)
            {
                _fragments.AsSpan(0, _fragmentLength).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_fragments);
            }

            _fragments = larger;
        }

        payload.CopyTo(_fragments.AsSpan(_fragmentLength));
        _fragmentLength = needed;
    }

    private void ReturnFragments()
    {
        if (_fragments is not null)
        {
            ArrayPool<byte>.Shared.Return(_fragments);
            _fragments = null;
        }

        _fragmentLength = 0;
    }

    /// <summary>Records the end of the connection (first cause wins) and releases the socket and pooled buffers.</summary>
    private TransportMessage End(int code, string? reason)
    {
        if (!_ended)
        {
            _ended = true;
            _closeCode = code;
            _closeReason = reason;
            _peerClosed.TrySetResult();
            ReturnFragments();
            _fragmentOpcode = WebSocketOpcode.Continuation;
            ShutdownIo();

            // Only the receiver touches the reader, and nothing is held at this point: its buffers can go back now.
            _reader.Complete();
            ReleaseWriter();
        }

        return ClosedMessage();
    }

    private TransportMessage ClosedMessage()
        => new(TransportMessageKind.Closed, default, _closeCode, _closeReason);

    private static bool IsConnectionFailure(Exception ex)
        => ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException;
}
