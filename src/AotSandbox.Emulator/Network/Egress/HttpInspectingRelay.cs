using System.Globalization;
using System.Security.Authentication;
using System.Text;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Relays HTTP/1.1 between a sandbox client and one upstream, one exchange at a time: each request head is parsed
/// and checked (<see cref="HttpRequestCheck"/>) before any of it is forwarded, its body is relayed by its own framing,
/// then the whole response. Pipelined requests simply wait in the buffer until their turn, so a denied second request
/// is answered 403 after the first response, in order, and never reaches the upstream.
/// </summary>
internal static class HttpInspectingRelay
{
    /// <summary>Runs until either side closes or a request is denied (then answers it and closes).</summary>
    public static async Task RunAsync(BufferedConnection client, Func<Task<Stream>> connectUpstream, string allowedHost, int port,
        IReadOnlyList<HttpRule> rules, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        BufferedConnection? upstream = null;
        try
        {
            while (true)
            {
                HttpHead? request;
                string? error;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    idle.CancelAfter(idleTimeout);
                    (request, error) = await ReadHeadAsync(client, isRequest: true, idle.Token).ConfigureAwait(false);
                }
                if (request is null)
                {
                    if (error is not null)
                    {
                        await DenyAsync(client.Stream, 400, error, cancellationToken).ConfigureAwait(false);
                    }

                    return;
                }
                (int Status, string Reason)? denial = HttpRequestCheck.Check(request, allowedHost, port, rules);
                if (denial is (int status, string reason))
                {
                    await DenyAsync(client.Stream, status, reason, cancellationToken).ConfigureAwait(false);
                    return;
                }
                if (upstream is null)
                {
                    Stream connected;
                    try
                    {
                        connected = await connectUpstream().ConfigureAwait(false);
                    }
                    catch (AuthenticationException)
                    {
                        // Nothing was forwarded; the client's TLS session is ours, so it can be told why and what to do.
                        await DenyAsync(client.Stream, 502, $"upstream {allowedHost}:{port} certificate could not be verified " +
                            "(nothing is downloaded: the server must send its intermediates; a private CA needs EgressTrustCa)",
                            cancellationToken).ConfigureAwait(false);
                        return;
                    }
                    upstream = new BufferedConnection(connected);
                }

                await upstream.Stream.WriteAsync(client.Buffered[..request.Length], cancellationToken).ConfigureAwait(false);
                client.Consume(request.Length);
                if (request.Chunked)
                {
                    await client.CopyChunkedAsync(upstream.Stream, cancellationToken).ConfigureAwait(false);
                }
                else if (request.ContentLength is long cl)
                {
                    await client.CopyExactAsync(cl, upstream.Stream, cancellationToken).ConfigureAwait(false);
                }

                await upstream.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);

                bool keepAlive = await RelayResponseAsync(upstream, client.Stream, request, cancellationToken).ConfigureAwait(false);
                await client.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (!keepAlive || request.Version == "HTTP/1.0" || HasToken(request.Get("Connection"), "close"))
                {
                    return;
                }
            }
        }
        finally
        {
            if (upstream is not null)
            {
                await upstream.Stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes the refusal every denied request gets: status, the reason in a header and the body, then close.</summary>
    public static async Task DenyAsync(Stream client, int status, string reason, CancellationToken cancellationToken)
    {
        string safeReason = new(reason.Select(c => c is < ' ' or > '~' ? '?' : c).Take(200).ToArray());
        string body = "AotSandbox egress policy: " + safeReason + "\n";
        string text = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\nX-AotSandbox-Denied: {safeReason}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        try
        {
            await client.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).ConfigureAwait(false);
            await client.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The client went away; nothing was forwarded either way.
        }
    }

    private static async Task<bool> RelayResponseAsync(BufferedConnection upstream, Stream client, HttpHead request, CancellationToken cancellationToken)
    {
        while (true)
        {
            (HttpHead? response, string? error) = await ReadHeadAsync(upstream, isRequest: false, cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                throw new InvalidDataException("upstream response: " + (error ?? "connection closed"));
            }

            await client.WriteAsync(upstream.Buffered[..response.Length], cancellationToken).ConfigureAwait(false);
            upstream.Consume(response.Length);
            if (response.Status == 101)
            {
                throw new InvalidDataException("upstream switched protocols without an allowed upgrade");
            }

            if (response.Status < 200)
            {
                continue;
            }

            if (request.Method == "HEAD" || response.Status is 204 or 304)
            {
                return true;
            }

            if (response.Chunked) { await upstream.CopyChunkedAsync(client, cancellationToken).ConfigureAwait(false); return !HasToken(response.Get("Connection"), "close"); }
            if (response.ContentLength is long cl) { await upstream.CopyExactAsync(cl, client, cancellationToken).ConfigureAwait(false); return !HasToken(response.Get("Connection"), "close"); }
            await upstream.CopyToEndAsync(client, cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    private static async Task<(HttpHead? Head, string? Error)> ReadHeadAsync(BufferedConnection side, bool isRequest, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadOnlySpan<byte> data = side.Buffered.Span;
            if (!data.IsEmpty)
            {
                HttpParseStatus status = isRequest
                    ? HttpHeadParser.ParseRequest(data, out HttpHead? head, out string? error)
                    : HttpHeadParser.ParseResponse(data, out head, out error);
                if (status == HttpParseStatus.Complete)
                {
                    return (head, null);
                }

                if (status == HttpParseStatus.Invalid)
                {
                    return (null, error);
                }
            }
            bool more;
            try
            {
                more = await side.FillAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested || side.Buffered.IsEmpty)
            {
                return (null, null);
            }
            if (!more)
            {
                return (null, side.Buffered.IsEmpty ? null : "incomplete request head");
            }
        }
    }

    private static bool HasToken(string? header, string token) =>
        header is not null && header.Split(',').Any(t => string.Equals(t.Trim(), token, StringComparison.OrdinalIgnoreCase));

    private static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        403 => "Forbidden",
        405 => "Method Not Allowed",
        421 => "Misdirected Request",
        502 => "Bad Gateway",
        _ => "Error",
    };
}
