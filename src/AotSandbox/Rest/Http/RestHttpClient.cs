using System.Net.Sockets;
using AotSandbox.Transport;

namespace AotSandbox.Rest.Http;

/// <summary>
/// The SDK's own HTTP/1.1 client for its few control-plane calls: a kept-alive connection per host (shared with the
/// WebSocket upgrade through <see cref="IdleConnections"/>), Content-Length and chunked bodies, bounded sizes.
/// Deliberately narrow: no redirects (a 3xx is returned to the caller, who reports it), no proxy, no compression,
/// no cookies. Costs a fraction of HttpClient's start-up and keeps System.Net.Http out of AOT images.
/// </summary>
internal static class RestHttpClient
{
    /// <summary>Sends one request; <paramref name="cancellationToken"/> is the caller's deadline as well.</summary>
    /// <exception cref="IOException">Connect, TLS, or the exchange failed (an <see cref="HttpProtocolException"/> names a protocol fault).</exception>
    /// <exception cref="SocketException">The connection could not be opened.</exception>
    public static async Task<HttpResult> SendAsync(
        string method, Uri uri, string authorization, byte[]? jsonBody, SandboxConnectionOptions options, CancellationToken cancellationToken)
    {
        if (uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The API host must be an http:// or https:// address, not '{uri.Scheme}://'.", nameof(uri));
        }

        byte[] request = HttpRequestWriter.Build(method, uri, authorization, jsonBody);
        ConnectionKey key = ConnectionKey.For(uri, options.SkipCertificateValidation, options.TrustedCertificateAuthorities);

        // A parked connection may have been closed by the server a moment ago; if it dies before a single response
        // byte, the server never processed the request, so sending it once more on a fresh connection is safe.
        if (IdleConnections.Take(key) is { } parked)
        {
            try
            {
                return await ExchangeAsync(parked, request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsStale(ex) && !cancellationToken.IsCancellationRequested)
            {
            }
        }

        (Socket socket, Stream stream) = await StreamConnector.ConnectAsync(
            uri.IdnHost, uri.Port, key.Secure, key.Secure ? ServerCertificateCheck.Create(options.SkipCertificateValidation, options.TrustedCertificateAuthorities) : null,
            cancellationToken).ConfigureAwait(false);
        return await ExchangeAsync(new PooledConnection(key, socket, stream), request, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<HttpResult> ExchangeAsync(PooledConnection connection, byte[] request, CancellationToken cancellationToken)
    {
        bool keep = false;
        try
        {
            (HttpResult result, keep) = await HttpExchange.SendAsync(
                connection.Stream, request, HttpResponseHeadParser.DefaultMaxHeadBytes, HttpExchange.DefaultMaxBodyBytes, cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            if (keep)
            {
                IdleConnections.Return(connection);
            }
            else
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static bool IsStale(Exception ex) => ex is HttpProtocolException { NothingReceived: true };
}
