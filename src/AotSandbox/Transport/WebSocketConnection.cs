using System.IO.Pipelines;
using System.Net.Sockets;
using AotSandbox.Protocol.WebSocket;

namespace AotSandbox.Transport;

/// <summary>
/// An open RFC 6455 client connection over a pair of pipes (<see cref="IMessageTransport"/>).
/// </summary>
/// <remarks>
/// Thread-safety: one <see cref="ReceiveAsync"/> at a time; any number of concurrent sends (serialized by
/// <see cref="_sendLock"/>); <see cref="CloseAsync"/> and <see cref="DisposeAsync"/> may overlap a pending receive.
/// The receive side also writes (pongs, close replies), always through the same send lock, so frames never interleave.
/// Split by concern: this file holds state and teardown, the others hold receive, send and close.
/// </remarks>
internal sealed partial class WebSocketConnection : IMessageTransport
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly int _maxMessageBytes;

    /// <summary>Completed when the peer's close frame arrived or the connection ended; lets CloseAsync wait without reading itself.</summary>
    private readonly TaskCompletionSource _peerClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Tick count of the last read that returned bytes; written by the single receiver, read by keepalive.</summary>
    private long _lastReceivedAt = Environment.TickCount64;

    /// <summary>1 after DisposeAsync started; every operation checks it, teardown runs once.</summary>
    private int _disposed;

    /// <summary>1 after the socket was shut down (by close, failure or dispose).</summary>
    private int _ioShutDown;

    /// <summary>Creates a connection over an upgraded stream. The pipes must have been created with leaveOpen, the stream owns the socket.</summary>
    public WebSocketConnection(Socket socket, Stream stream, PipeReader reader, PipeWriter writer, int maxMessageBytes)
    {
        _socket = socket;
        _stream = stream;
        _reader = reader;
        _writer = writer;
        _maxMessageBytes = maxMessageBytes;
    }

    /// <inheritdoc />
    public long LastReceivedAt => Volatile.Read(ref _lastReceivedAt);

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Idempotent. A pending receive completes with Closed/1006; later sends throw.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return default;
        }

        _peerClosed.TrySetResult();

        // Wake a receive blocked in ReadAsync; it sees _disposed and reports 1006. Closing the socket covers a
        // read already inside the stream.
        _reader.CancelPendingRead();
        ShutdownIo();
        return default;
    }

    /// <summary>Closes the socket once. Thread-safe; the pipes are left to the single reader and the send lock holder.</summary>
    private void ShutdownIo()
    {
        if (Interlocked.Exchange(ref _ioShutDown, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer: nothing left to shut down.
        }
        catch (ObjectDisposedException)
        {
        }

        _stream.Dispose();
    }

    private static string Describe(WebSocketFrameError error) => error switch
    {
        WebSocketFrameError.ReservedBitsSet => "Reserved bits set without a negotiated extension.",
        WebSocketFrameError.UnknownOpcode => "Unknown opcode.",
        WebSocketFrameError.FragmentedControlFrame => "Fragmented control frame.",
        WebSocketFrameError.ControlFrameTooLong => "Control frame payload over 125 bytes.",
        WebSocketFrameError.PayloadLengthMsbSet => "Payload length with the most significant bit set.",
        WebSocketFrameError.UnexpectedMasking => "Masked frame from the server.",
        _ => "Invalid frame header.",
    };
}
