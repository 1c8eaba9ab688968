using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using AotSandbox.Protocol.WebSocket;
using AotSandbox.Rest.Http;

namespace AotSandbox.Transport;

/// <summary>Opens RFC 6455 client connections (ws:// and wss://) over System.IO.Pipelines.</summary>
internal static class WebSocketClient
{
    /// <summary>Pipe segment size: big enough that typical protocol frames (≤ 64 KiB) need few reads.</summary>
    private const int PipeBufferSize = 16 * 1024;

    /// <summary>
    /// Read segment size: each socket read fills at most one segment, so a 1 MiB binary file chunk (file.binary) takes
    /// 16 reads at 64 KiB instead of 64 at 16 KiB; an idle connection holds one pooled segment.
    /// </summary>
    private const int ReadBufferSize = 64 * 1024;

    /// <summary>How much of a refused upgrade's body goes into the error message.</summary>
    private const int BodyExcerptBytes = 256;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>
    /// Connects, performs the HTTP/1.1 upgrade and returns the open connection.
    /// </summary>
    /// <param name="uri">ws:// or wss:// address.</param>
    /// <param name="options">Limits and TLS settings.</param>
    /// <param name="cancellationToken">Cancels the attempt (in addition to <see cref="WebSocketClientOptions.ConnectTimeout"/>).</param>
    /// <exception cref="WebSocketConnectException">TCP, TLS or the upgrade failed, or the timeout elapsed.</exception>
    public static async ValueTask<IMessageTransport> ConnectAsync(Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(options);
        bool secure = IsScheme(uri, "wss");
        if (!secure && !IsScheme(uri, "ws"))
        {
            throw new ArgumentException("Only ws:// and wss:// addresses are supported.", nameof(uri));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        string target = uri.IdnHost + ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Socket? socket = null;
        Stream? stream = null;
        try
        {
            // A connection the REST call before (e.g. attach's GET) left open to the same host under the same trust
            // settings carries the upgrade: no second TCP/TLS handshake. A custom callback never shares a connection.
            ConnectionKey key = ConnectionKey.For(uri, options.SkipCertificateValidation, options.TrustedCertificateAuthorities);
            if (options.CertificateValidation is null && IdleConnections.Take(key) is { } parked)
            {
                try
                {
                    return await UpgradeOnAsync(uri, parked.Socket, parked.Stream, options, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The server may have dropped the parked connection a moment ago; the upgrade is a GET, so trying
                    // again on a fresh connection is safe (a real refusal repeats there and is reported from there).
                    await parked.DisposeAsync().ConfigureAwait(false);
                }
            }

            (socket, stream) = await StreamConnector.ConnectAsync(
                uri.IdnHost, uri.Port, secure, secure ? CertificateValidation.Create(options) : null, timeout.Token).ConfigureAwait(false);
            return await UpgradeOnAsync(uri, socket, stream, options, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket?.Dispose();
            if (ex is WebSocketConnectException)
            {
                throw;
            }

            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new WebSocketConnectException($"Connecting to {target} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s.", ex);
            }

            if (ex is AuthenticationException)
            {
                throw new WebSocketConnectException(
                    $"TLS handshake with {target} failed: {ex.Message} If the server uses a private CA, add it to TrustedCertificateAuthorities.", ex);
            }

            if (ex is SocketException or IOException)
            {
                throw new WebSocketConnectException($"Could not open a WebSocket connection to {target}: {ex.Message}", ex);
            }

            throw;
        }
    }

    private static async ValueTask<IMessageTransport> UpgradeOnAsync(Uri uri, Socket socket, Stream stream, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        // The pipes never own the stream: the connection decides when the socket goes away.
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReadBufferSize, leaveOpen: true));
        PipeWriter writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: PipeBufferSize, leaveOpen: true));
        await UpgradeAsync(uri, reader, writer, cancellationToken).ConfigureAwait(false);
        return new WebSocketConnection(socket, stream, reader, writer, options.MaxMessageBytes);
    }

    /// <summary>Sends the upgrade request and checks the answer; bytes after the head stay in the reader for the frame parser.</summary>
    private static async ValueTask UpgradeAsync(Uri uri, PipeReader reader, PipeWriter writer, CancellationToken cancellationToken)
    {
        byte[] key = new byte[WebSocketHandshakeRequest.KeyLength];
        byte[] accept = new byte[WebSocketHandshakeRequest.AcceptLength];
        WebSocketHandshakeRequest.CreateKey(key);
        WebSocketHandshakeRequest.ComputeAccept(key, accept);
        await writer.WriteAsync(WebSocketHandshakeRequest.Build(uri, key), cancellationToken).ConfigureAwait(false);

        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            OperationStatus status = WebSocketHandshakeParser.TryParse(result.Buffer, accept, WebSocketHandshakeParser.DefaultMaxHeaderBytes, out WebSocketHandshakeResponse response, out long consumed);
            if (status == OperationStatus.Done && response.Error == WebSocketHandshakeError.None)
            {
                reader.AdvanceTo(result.Buffer.GetPosition(consumed));
                return;
            }

            if (status == OperationStatus.Done && response.Error == WebSocketHandshakeError.UnexpectedStatus)
            {
                string excerpt = await ReadBodyExcerptAsync(reader, result, consumed, response.ContentLength, cancellationToken).ConfigureAwait(false);
                throw new WebSocketConnectException(
                    $"The server refused the WebSocket upgrade with HTTP {response.StatusCode}{(excerpt.Length == 0 ? "." : ": " + excerpt)}",
                    response.StatusCode);
            }

            if (status != OperationStatus.NeedMoreData)
            {
                reader.AdvanceTo(result.Buffer.Start);
                throw new WebSocketConnectException($"Invalid WebSocket upgrade response (HTTP {response.StatusCode}): {Describe(response.Error)}");
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.Start);
                throw new WebSocketConnectException("The server closed the connection during the WebSocket upgrade.");
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>Best effort, briefly: a refusal's body usually says why (e.g. "sandbox not found").</summary>
    private static async ValueTask<string> ReadBodyExcerptAsync(PipeReader reader, ReadResult result, long headLength, long contentLength, CancellationToken cancellationToken)
    {
        long wanted = contentLength >= 0 ? Math.Min(contentLength, BodyExcerptBytes) : BodyExcerptBytes;
        string excerpt = Excerpt(result.Buffer.Slice(headLength), wanted);
        using var brief = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        brief.CancelAfter(TimeSpan.FromMilliseconds(500));
        try
        {
            // Without Content-Length (e.g. chunked) the server may keep the connection open: stop at the last chunk.
            while (result.Buffer.Length - headLength < wanted && !result.IsCompleted && !EndsWithLastChunk(result.Buffer))
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                result = await reader.ReadAsync(brief.Token).ConfigureAwait(false);
                excerpt = Excerpt(result.Buffer.Slice(headLength), wanted);
            }
        }
        catch (OperationCanceledException)
        {
            // Keep what arrived so far; the connection is discarded anyway.
        }

        return excerpt;
    }

    private static bool EndsWithLastChunk(in ReadOnlySequence<byte> buffer)
        => buffer.Length >= 5 && buffer.Slice(buffer.Length - 5).ToArray().AsSpan().SequenceEqual("0\r\n\r\n"u8);

    /// <summary>The first bytes of the body as one line of text (a leading chunk-size line is dropped).</summary>
    private static string Excerpt(ReadOnlySequence<byte> body, long wanted)
    {
        string text = Encoding.UTF8.GetString(body.Slice(0, Math.Min(body.Length, wanted + 8)));
        int firstLineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        if (firstLineEnd is > 0 and <= 8 && !text.AsSpan(0, firstLineEnd).ContainsAnyExcept(HexDigits))
        {
            text = text[(firstLineEnd + 2)..];
            int chunkEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
            text = chunkEnd >= 0 ? text[..chunkEnd] : text;
        }

        if (text.Length > wanted)
        {
            text = text[..(int)wanted];
        }

        var clean = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            clean.Append(char.IsControl(c) ? ' ' : c);
        }

        return clean.ToString().Trim();
    }

    private static bool IsScheme(Uri uri, string scheme)
        => string.Equals(uri.Scheme, scheme, StringComparison.OrdinalIgnoreCase);

    private static string Describe(WebSocketHandshakeError error) => error switch
    {
        WebSocketHandshakeError.HeaderTooLarge => "response headers exceed 16 KiB.",
        WebSocketHandshakeError.MalformedResponse => "not an HTTP/1.1 response.",
        WebSocketHandshakeError.MissingUpgrade => "missing 'Upgrade: websocket'.",
        WebSocketHandshakeError.MissingConnectionUpgrade => "missing 'Connection: Upgrade'.",
        WebSocketHandshakeError.InvalidAccept => "Sec-WebSocket-Accept does not match the key that was sent.",
        WebSocketHandshakeError.UnexpectedExtension => "the server selected an extension that was not offered.",
        WebSocketHandshakeError.UnexpectedSubprotocol => "the server selected a subprotocol that was not offered.",
        _ => "unexpected response.",
    };
}
