using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using AotSandbox.Protocol.WebSocket;

namespace AotSandbox.Transport;

internal sealed partial class WebSocketConnection
{
    /// <summary>Below this size a frame is written with one GetSpan (header + payload contiguous); larger ones go in pieces.</summary>
    private const int SingleSpanFrameLimit = 16 * 1024;

    /// <summary>Serializes writers: the caller's sends, pongs and close frames from the receive side.</summary>
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    /// <summary>Only used under <see cref="_sendLock"/>.</summary>
    private readonly MaskKeyGenerator _maskKeys = new();

    /// <summary>Set under <see cref="_sendLock"/> once our close frame is written: RFC 6455 forbids data after it.</summary>
    private bool _closeSent;

    /// <summary>
    /// Largest piece of pipe memory asked for at once when a big payload is copied in: the pipe then hands the socket a
    /// few large writes instead of one per 16 KiB segment.
    /// </summary>
    private const int LargeSegmentBytes = 1024 * 1024;

    /// <inheritdoc />
    public ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8Payload, CancellationToken cancellationToken)
        => SendFrameAsync(WebSocketOpcode.Text, utf8Payload, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <inheritdoc />
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
        => SendFrameAsync(WebSocketOpcode.Binary, head, body, cancellationToken);

    /// <inheritdoc />
    public ValueTask SendPingAsync(CancellationToken cancellationToken)
        => SendFrameAsync(WebSocketOpcode.Ping, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>
    /// Writes one complete frame and flushes it. Pooled builder: no allocation per send. A send cancelled or failed
    /// mid-write may leave half a frame on the wire, so it tears the connection down rather than risk a corrupt stream.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendFrameAsync(WebSocketOpcode opcode, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> more, CancellationToken cancellationToken)
    {
        // Uncontended fast path: no await, no registration on the token.
        if (!_sendLock.Wait(0, CancellationToken.None))
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (_closeSent || IsDisposed || Volatile.Read(ref _ioShutDown) != 0)
            {
                TransportThrowHelper.ThrowClosed();
            }

            if (opcode == WebSocketOpcode.Close)
            {
                _closeSent = true;
            }

            WriteFrame(opcode, payload.Span, more.Span);
            FlushResult flushed = await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCompleted)
            {
                TransportThrowHelper.ThrowClosed();
            }
        }
        catch (OperationCanceledException)
        {
            ShutdownIo();
            throw;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            ShutdownIo();
            TransportThrowHelper.ThrowSendFailed(ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Writes header and masked payload (<paramref name="payload"/> then <paramref name="more"/>, one message) into pipe
    /// memory: each caller byte is read once and written once, masked on its way into the pipe. The caller's buffers are only read.
    /// </summary>
    private void WriteFrame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> more)
    {
        uint key = _maskKeys.Next();
        int total = payload.Length + more.Length;
        int headerLength = WebSocketFrameWriter.GetClientHeaderLength(total);
        if (total <= SingleSpanFrameLimit)
        {
            Span<byte> frame = _writer.GetSpan(headerLength + total);
            WebSocketFrameWriter.WriteClientHeader(frame, opcode, fin: true, total, key);
            Span<byte> body = frame.Slice(headerLength, total);
            WebSocketMasking.MaskCopy(payload, body, key, 0);
            WebSocketMasking.MaskCopy(more, body[payload.Length..], key, payload.Length);
            _writer.Advance(headerLength + total);
            return;
        }

        WebSocketFrameWriter.WriteClientHeader(_writer.GetSpan(headerLength), opcode, fin: true, total, key);
        _writer.Advance(headerLength);
        WriteMasked(payload, key, 0);
        WriteMasked(more, key, payload.Length);
    }

    /// <summary>Copies <paramref name="part"/> into pipe memory, masked on the way; <paramref name="at"/> is its position in the payload.</summary>
    private void WriteMasked(ReadOnlySpan<byte> part, uint key, int at)
    {
        int offset = 0;
        while (offset < part.Length)
        {
            Span<byte> chunk = _writer.GetSpan(Math.Min(part.Length - offset, LargeSegmentBytes));
            int count = Math.Min(chunk.Length, part.Length - offset);
            WebSocketMasking.MaskCopy(part.Slice(offset, count), chunk, key, at + offset);
            _writer.Advance(count);
            offset += count;
        }
    }

    /// <summary>Returns the writer's buffers once the socket is gone, unless a send still holds the lock (it then fails on its own).</summary>
    private void ReleaseWriter()
    {
        if (_sendLock.Wait(0, CancellationToken.None))
        {
            _writer.Complete();
            _closeSent = true; // nothing may be written after this, and sends check it first
            _sendLock.Release();
        }
    }

    /// <summary>Sends a pong (or other control frame) from the receive side; false when the connection is gone.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> TrySendControlAsync(WebSocketOpcode opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        try
        {
            await SendFrameAsync(opcode, payload, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
