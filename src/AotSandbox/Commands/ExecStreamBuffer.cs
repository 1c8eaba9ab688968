using System.Threading.Channels;

namespace AotSandbox;

/// <summary>
/// The bounded buffer between the connection's receive loop and an <see cref="ExecStream"/> consumer. At most
/// <see cref="Capacity"/> chunks wait (each at most one <c>exec.output</c> frame, 64 KiB from the emulator); when it
/// is full, the chunk that did not fit is held and <see cref="TakePause"/> hands the receive loop a task to await
/// before it reads the next message. The loop then stops reading the socket, TCP's window fills, the server's
/// per-connection queue fills, and the server stops acknowledging the command's output, which holds the command.
/// </summary>
/// <remarks>
/// A consumer that stops reading altogether would stall every operation of the connection (and the server closes a
/// connection that does not read for its stuck-client timeout, 30 s on the emulator). So a pause is limited to
/// <see cref="StallLimit"/>: past it the stream fails with a <see cref="SandboxTimeoutException"/>, its later output
/// is dropped, and the connection flows again. A consumer that abandons the enumeration releases the pause the same way.
/// </remarks>
internal sealed class ExecStreamBuffer
{
    /// <summary>Chunks that may wait for the consumer: with 64 KiB frames, at most 1 MiB of output (2 MiB as UTF-16 text).</summary>
    public const int Capacity = 16;

    private readonly Channel<OutputChunk> _channel = Channel.CreateBounded<OutputChunk>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private Task? _pause;
    private volatile bool _closed;

    public ExecStreamBuffer(TimeSpan? stallLimit = null)
    {
        StallLimit = stallLimit ?? TimeSpan.FromSeconds(20);
    }

    /// <summary>The command's id, for the stall message (set once the command is registered).</summary>
    public string ExecId { get; set; } = string.Empty;

    /// <summary>Longest the receive loop waits for this consumer (below the emulator's 30 s stuck-client timeout).</summary>
    public TimeSpan StallLimit { get; }

    public ChannelReader<OutputChunk> Reader => _channel.Reader;

    /// <summary>Receive loop only: queues one chunk, or holds it and arms a pause when the buffer is full.</summary>
    public void Write(OutputStream stream, ReadOnlySpan<byte> utf8)
    {
        if (_closed)
        {
            return;
        }

        var chunk = new OutputChunk(stream, System.Text.Encoding.UTF8.GetString(utf8));
        if (!_channel.Writer.TryWrite(chunk))
        {
            _pause = WriteWhenRoomAsync(chunk);
        }
    }

    /// <summary>Receive loop only: the wait the last <see cref="Write"/> armed, if any (never faults).</summary>
    public Task? TakePause()
    {
        Task? pause = _pause;
        _pause = null;
        return pause;
    }

    /// <summary>The command ended (exit, failure, destroy): the consumer reads what is buffered, then the end.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>The consumer stopped enumerating: drop what is buffered and everything that follows.</summary>
    public void Abandon()
    {
        _closed = true;
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out _))
        {
        }
    }

    private async Task WriteWhenRoomAsync(OutputChunk chunk)
    {
        using var stall = new CancellationTokenSource(StallLimit);
        try
        {
            while (await _channel.Writer.WaitToWriteAsync(stall.Token).ConfigureAwait(false))
            {
                if (_channel.Writer.TryWrite(chunk))
                {
                    return;
                }
            }

            // Completed meanwhile (the command ended or the consumer left): the chunk has no reader.
        }
        catch (OperationCanceledException)
        {
            _closed = true;
            _channel.Writer.TryComplete(new SandboxTimeoutException(
                $"Output of command '{ExecId}' was not read for {StallLimit.TotalSeconds:0} s while its buffer of {Capacity} chunks was full. "
                + "The stream stopped here (later output is dropped) so that the connection's other operations could continue; "
                + "read an ExecStream promptly, or use Exec with an OnOutput handler, or a second connection (Sandbox.AttachAsync) for slow consumers."));
        }
    }
}
