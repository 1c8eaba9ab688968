using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AotSandbox.Protocol.WebSocket;

namespace AotSandbox.Tests.Transport.Support;

/// <summary>
/// A hand-driven loopback WebSocket "server": completes the upgrade (optionally wrongly), then lets a test write
/// arbitrary bytes and read the client's frames. Not a WebSocket implementation, a probe.
/// </summary>
internal sealed class RawWebSocketServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public RawWebSocketServer() => _listener.Start();

    public Uri Uri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/api/v1/namespaces/ns/sandboxes/sb/exec");

    /// <summary>Accepts one client and answers its upgrade; <paramref name="respond"/> may replace the 101 (it gets the correct accept value).</summary>
    public async Task<RawPeer> AcceptAsync(CancellationToken cancellationToken, Func<string, string>? respond = null, byte[]? sendWithHandshake = null)
    {
        Socket socket = await _listener.AcceptSocketAsync(cancellationToken);
        var peer = new RawPeer(socket);
        string request = await peer.ReadRequestHeadAsync(cancellationToken);
        peer.RequestHead = request;
        string key = request.Split("\r\n").Single(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))["Sec-WebSocket-Key:".Length..].Trim();
        var accept = new byte[WebSocketHandshakeRequest.AcceptLength];
        WebSocketHandshakeRequest.ComputeAccept(Encoding.ASCII.GetBytes(key), accept);
        string acceptText = Encoding.ASCII.GetString(accept);
        string response = respond?.Invoke(acceptText)
            ?? $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {acceptText}\r\n\r\n";
        byte[] head = Encoding.ASCII.GetBytes(response);
        await peer.WriteAsync(sendWithHandshake is null ? head : [.. head, .. sendWithHandshake], cancellationToken);
        return peer;
    }

    public void Dispose() => _listener.Stop();
}

/// <summary>The server side of one raw connection.</summary>
internal sealed class RawPeer : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _buffered;

    public RawPeer(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public string RequestHead { get; set; } = "";

    public async Task<string> ReadRequestHeadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int end = _buffer.AsSpan(0, _buffered).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                string head = Encoding.ASCII.GetString(_buffer, 0, end + 4);
                Consume(end + 4);
                return head;
            }

            await FillAsync(cancellationToken);
        }
    }

    public Task WriteAsync(byte[] bytes, CancellationToken cancellationToken) => _stream.WriteAsync(bytes, cancellationToken).AsTask();

    /// <summary>Reads one client frame: checks it is masked, unmasks it.</summary>
    public async Task<(WebSocketOpcode Opcode, bool Fin, byte[] Payload)> ReadFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            OperationStatus status = WebSocketFrameParser.TryParse(_buffer.AsSpan(0, _buffered), expectMasked: true, out WebSocketFrameHeader header, out int headerLength, out WebSocketFrameError error);
            Assert.NotEqual(OperationStatus.InvalidData, status);
            if (status == OperationStatus.Done && _buffered >= header.FrameLength)
            {
                byte[] payload = _buffer.AsSpan(headerLength, (int)header.PayloadLength).ToArray();
                WebSocketMasking.Mask(payload, header.MaskKey, 0);
                Consume((int)header.FrameLength);
                return (header.Opcode, header.Fin, payload);
            }

            if (status == OperationStatus.Done && _buffer.Length < header.FrameLength)
            {
                Array.Resize(ref _buffer, (int)header.FrameLength);
            }

            await FillAsync(cancellationToken);
        }
    }

    /// <summary>True when the client closed its side (EOF) before sending anything else.</summary>
    public async Task<bool> ReadEofAsync(CancellationToken cancellationToken)
    {
        try
        {
            return _buffered == 0 && await _stream.ReadAsync(new byte[1], cancellationToken) == 0;
        }
        catch (IOException)
        {
            return true; // reset: also "gone"
        }
    }

    public void Abort() => _socket.Close(0);

    public void Dispose() => _stream.Dispose();

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_buffered == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int read = await _stream.ReadAsync(_buffer.AsMemory(_buffered), cancellationToken);
        if (read == 0)
        {
            throw new EndOfStreamException("The client closed the connection.");
        }

        _buffered += read;
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _buffered - count).CopyTo(_buffer);
        _buffered -= count;
    }
}
