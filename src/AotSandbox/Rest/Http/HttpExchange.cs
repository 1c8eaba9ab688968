using System.Buffers;

namespace AotSandbox.Rest.Http;

/// <summary>A complete response: status, the decoded body, and the Location of a redirect.</summary>
internal readonly record struct HttpResult(int StatusCode, byte[] Body, int BodyLength, string? Location);

/// <summary>The server broke the exchange in a way the caller's message should name (bad framing, too large, closed early).</summary>
internal sealed class HttpProtocolException(string message, bool nothingReceived = false, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The connection ended before a single response byte: on a reused connection, the request may be retried.</summary>
    public bool NothingReceived { get; } = nothingReceived;
}

/// <summary>
/// One request/response exchange on an open connection. Reads into one buffer that grows only as far as the limits allow,
/// so a hostile server can make it allocate at most <c>maxHead + maxBody</c> plus framing.
/// </summary>
internal static class HttpExchange
{
    /// <summary>Largest body accepted: create/get/delete answers are a few KiB.</summary>
    public const int DefaultMaxBodyBytes = 1024 * 1024;

    private const int InitialBufferBytes = 4096;

    /// <summary>Sends <paramref name="request"/> and reads the whole response.</summary>
    /// <returns>The result, and whether the connection may carry another request.</returns>
    public static async ValueTask<(HttpResult Result, bool Reusable)> SendAsync(
        Stream stream, byte[] request, int maxHeadBytes, int maxBodyBytes, CancellationToken cancellationToken)
    {
        try
        {
            await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new HttpProtocolException("the connection failed while sending the request: " + ex.Message, nothingReceived: true, ex);
        }

        int bufferLimit = maxHeadBytes + maxBodyBytes + ChunkedBodyDecoder.MaxSizeLineBytes + maxHeadBytes;
        byte[] buffer = new byte[InitialBufferBytes];
        int filled = 0;
        bool anyReceived = false;
        HttpResponseHead head;
        int headLength;
        while (true)
        {
            OperationStatus status = HttpResponseHeadParser.TryParse(buffer.AsSpan(0, filled), maxHeadBytes, out head, out headLength);
            if (status == OperationStatus.Done)
            {
                if (head.StatusCode is >= 100 and < 200)
                {
                    // An interim response (e.g. 103 Early Hints): the final one follows.
                    buffer.AsSpan(headLength, filled - headLength).CopyTo(buffer);
                    filled -= headLength;
                    continue;
                }

                break;
            }

            if (status == OperationStatus.InvalidData)
            {
                throw new HttpProtocolException(Describe(head.Error));
            }

            int read;
            try
            {
                (buffer, read) = await ReadMoreAsync(stream, buffer, filled, maxHeadBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex) when (ex is not HttpProtocolException)
            {
                throw new HttpProtocolException("the connection failed before a complete response head: " + ex.Message, nothingReceived: !anyReceived, ex);
            }

            if (read == 0)
            {
                throw new HttpProtocolException("the server closed the connection before a complete response head", nothingReceived: !anyReceived);
            }

            anyReceived = true;
            filled += read;
        }

        if (head.HasNoBody)
        {
            return (new HttpResult(head.StatusCode, [], 0, head.Location), head.KeepAlive && filled == headLength);
        }

        if (head.ContentLength > maxBodyBytes)
        {
            throw new HttpProtocolException($"the response body ({head.ContentLength} bytes) exceeds the {maxBodyBytes / 1024} KiB limit");
        }

        if (head.Chunked)
        {
            return await ReadChunkedAsync(stream, buffer, filled, head, headLength, maxHeadBytes, maxBodyBytes, bufferLimit, cancellationToken).ConfigureAwait(false);
        }

        // Content-Length, or (no length at all) everything up to the end of the connection.
        long wanted = head.ContentLength >= 0 ? headLength + head.ContentLength : -1;
        while (wanted < 0 || filled < wanted)
        {
            int limit = wanted >= 0 ? (int)wanted : headLength + maxBodyBytes + 1;
            (buffer, int read) = await ReadMoreAsync(stream, buffer, filled, limit, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (wanted < 0)
                {
                    break;
                }

                throw new HttpProtocolException($"the server closed the connection after {filled - headLength} of {head.ContentLength} body bytes");
            }

            filled += read;
            if (wanted < 0 && filled - headLength > maxBodyBytes)
            {
                throw new HttpProtocolException($"the response body exceeds the {maxBodyBytes / 1024} KiB limit");
            }
        }

        int bodyLength = (wanted >= 0 ? (int)wanted : filled) - headLength;
        byte[] body = buffer.AsSpan(headLength, bodyLength).ToArray();
        return (new HttpResult(head.StatusCode, body, bodyLength, head.Location), wanted >= 0 && head.KeepAlive && filled == wanted);
    }

    private static async ValueTask<(HttpResult, bool)> ReadChunkedAsync(
        Stream stream, byte[] buffer, int filled, HttpResponseHead head, int headLength, int maxHeadBytes, int maxBodyBytes, int bufferLimit,
        CancellationToken cancellationToken)
    {
        // Decoded in place: data is copied left to `written`, the encoded rest starts at `next`.
        int written = headLength;
        int next = headLength;
        while (true)
        {
            OperationStatus status = ChunkedBodyDecoder.TryReadChunk(
                buffer.AsSpan(next, filled - next), maxBodyBytes - (written - headLength), maxHeadBytes, out int dataStart, out int dataLength, out int consumed);
            if (status == OperationStatus.Done)
            {
                buffer.AsSpan(next + dataStart, dataLength).CopyTo(buffer.AsSpan(written));
                written += dataLength;
                next += consumed;
                if (dataLength == 0)
                {
                    byte[] body = buffer.AsSpan(headLength, written - headLength).ToArray();
                    return (new HttpResult(head.StatusCode, body, body.Length, head.Location), head.KeepAlive && next == filled);
                }

                continue;
            }

            if (status == OperationStatus.InvalidData)
            {
                throw new HttpProtocolException($"invalid chunked body (a malformed chunk, or more than the {maxBodyBytes / 1024} KiB limit)");
            }

            // Close the gap left by chunk framing before reading more, so the buffer holds only body + one pending chunk.
            buffer.AsSpan(next, filled - next).CopyTo(buffer.AsSpan(written));
            filled -= next - written;
            next = written;
            (buffer, int read) = await ReadMoreAsync(stream, buffer, filled, bufferLimit, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new HttpProtocolException("the server closed the connection inside a chunked body");
            }

            filled += read;
        }
    }

    /// <summary>Reads more bytes after <paramref name="filled"/>, growing the buffer (doubling) up to <paramref name="limit"/> bytes in all.</summary>
    private static async ValueTask<(byte[] Buffer, int Read)> ReadMoreAsync(Stream stream, byte[] buffer, int filled, int limit, CancellationToken cancellationToken)
    {
        if (filled >= limit)
        {
            throw new HttpProtocolException("the response exceeds its size limit");
        }

        if (filled == buffer.Length)
        {
            byte[] larger = new byte[(int)Math.Min(limit, (long)buffer.Length * 2)];
            buffer.AsSpan(0, filled).CopyTo(larger);
            buffer = larger;
        }

        int read = await stream.ReadAsync(buffer.AsMemory(filled, Math.Min(buffer.Length, limit) - filled), cancellationToken).ConfigureAwait(false);
        return (buffer, read);
    }

    private static string Describe(HttpHeadError error) => error switch
    {
        HttpHeadError.HeaderTooLarge => $"the response head exceeds {HttpResponseHeadParser.DefaultMaxHeadBytes / 1024} KiB",
        HttpHeadError.AmbiguousLength => "the response has conflicting Content-Length / Transfer-Encoding headers",
        HttpHeadError.UnsupportedEncoding => "the response uses a transfer or content coding that was not offered",
        _ => "the response is not valid HTTP/1.1",
    };
}
