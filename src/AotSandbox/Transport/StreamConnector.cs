using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace AotSandbox.Transport;

/// <summary>
/// Opens the byte stream under both the REST calls and the WebSocket upgrade: TCP (NoDelay), then TLS when asked.
/// One place, so the two planes cannot drift apart in how they resolve, connect or validate certificates.
/// </summary>
internal static class StreamConnector
{
    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/>; on failure nothing is left open.</summary>
    /// <param name="host">DNS name or IP literal (IPv6 without brackets).</param>
    /// <param name="port">TCP port.</param>
    /// <param name="secure">Wrap the socket in TLS, validating the server for <paramref name="host"/>.</param>
    /// <param name="validation">Null for the platform's validation, otherwise the callback that decides.</param>
    /// <param name="cancellationToken">Aborts the connect and the handshake.</param>
    public static async ValueTask<(Socket Socket, Stream Stream)> ConnectAsync(
        string host, int port, bool secure, RemoteCertificateValidationCallback? validation, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            EndPoint endPoint = IPAddress.TryParse(host, out IPAddress? address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (secure)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = host,
                        RemoteCertificateValidationCallback = validation,
                        CertificateChainPolicy = ServerChainPolicy.Create(),
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            return (socket, stream);
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }
}
