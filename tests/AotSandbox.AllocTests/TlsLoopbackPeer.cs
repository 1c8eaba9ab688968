using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.AllocTests;

/// <summary>
/// The TLS counterpart of <see cref="LoopbackPeer"/>: a wss:// server whose handshake, upgrade and greeting go through
/// a real server-side <see cref="SslStream"/>, and whose later blocks are encrypted ahead of time
/// (<see cref="Encrypt"/>) and then written as raw ciphertext. The measured window therefore contains only the
/// client's work: the server's encryption (which allocates in this same process) happens before it.
/// </summary>
internal sealed class TlsLoopbackPeer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly SemaphoreSlim _sendRequested = new(0);
    private Socket? _socket;
    private CapturingStream? _wire;
    private SslStream? _tls;
    private byte[]? _pending;

    public TlsLoopbackPeer() => _listener.Start();

    /// <summary>The wss:// address a client (e.g. the SDK's own connect) should dial.</summary>
    public Uri Endpoint => new($"wss://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/api/v1/namespaces/ns/sandboxes/sb-test/exec");

    /// <summary>
    /// Accepts one client, completes TLS with <paramref name="certificate"/> and the upgrade, sends
    /// <paramref name="greeting"/> (already framed) and starts the writer and a reader that discards what the client
    /// sends (ciphertext: nothing the client sends is needed once the session is up).
    /// </summary>
    public Task AcceptAsync(X509Certificate2 certificate, byte[] greeting, CancellationToken token) => Task.Run(
        async () =>
        {
            _socket = await _listener.AcceptSocketAsync(token);
            _wire = new CapturingStream(new NetworkStream(_socket, ownsSocket: false));
            _tls = new SslStream(_wire, leaveInnerStreamOpen: true);
            await _tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, token);
            PeerLoops.AnswerUpgrade(_tls);
            _tls.Write(greeting);
            _tls.Flush();
            PeerLoops.StartWriter("alloc-test tls peer writer", _socket, _sendRequested, () => Volatile.Read(ref _pending)!);
            PeerLoops.StartReader("alloc-test tls peer reader", _socket, null);
        },
        token);

    /// <summary>The TLS records that carry <paramref name="plaintext"/>, next in this session's sequence; call in send order.</summary>
    public byte[] Encrypt(byte[] plaintext)
    {
        _wire!.Capture = new MemoryStream(plaintext.Length + (plaintext.Length / 512) + 64);
        _tls!.Write(plaintext);
        _tls.Flush();
        byte[] records = _wire.Capture.ToArray();
        _wire.Capture = null;
        return records;
    }

    /// <summary>Writes ciphertext from <see cref="Encrypt"/> from the peer thread (returns at once).</summary>
    public void Send(byte[] records)
    {
        Volatile.Write(ref _pending, records);
        _sendRequested.Release();
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _listener.Stop();
        _sendRequested.Dispose();
    }

    /// <summary>Reads from the socket; writes go to the socket, or to <see cref="Capture"/> while it is set.</summary>
    private sealed class CapturingStream(NetworkStream inner) : Stream
    {
        public MemoryStream? Capture { get; set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Capture is { } capture)
            {
                capture.Write(buffer);
            }
            else
            {
                inner.Write(buffer);
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
