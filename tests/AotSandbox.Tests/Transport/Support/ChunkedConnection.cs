using System.IO.Pipelines;
using System.Net.Sockets;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Transport.Support;

/// <summary>The real <see cref="WebSocketConnection"/> over a <see cref="ChunkedReadStream"/>: the test fixes every read.</summary>
internal sealed class ChunkedConnection : IAsyncDisposable
{
    private readonly Socket _unconnected = new(SocketType.Stream, ProtocolType.Tcp);

    public ChunkedConnection(IEnumerable<byte[]> chunks, int maxMessageBytes = 1024 * 1024)
    {
        Stream = new ChunkedReadStream(chunks);

        // The pipe's buffer is larger than any chunk a test uses, so one read returns exactly one chunk.
        Connection = new WebSocketConnection(
            _unconnected,
            Stream,
            PipeReader.Create(Stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, leaveOpen: true)),
            PipeWriter.Create(Stream, new StreamPipeWriterOptions(leaveOpen: true)),
            maxMessageBytes);
    }

    public ChunkedReadStream Stream { get; }

    public WebSocketConnection Connection { get; }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        _unconnected.Dispose();
    }
}
