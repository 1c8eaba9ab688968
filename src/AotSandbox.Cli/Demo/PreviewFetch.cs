using System.Net;
using System.Net.Sockets;

namespace AotSandbox.Cli.Demo;

/// <summary>Fetches a local preview URL the way a browser does: <c>*.localhost</c> goes to loopback, whatever the resolver says.</summary>
internal static class PreviewFetch
{
    /// <summary>GETs <paramref name="url"/>, retrying for a few seconds while the server inside starts; returns the last status (0 if none).</summary>
    public static async Task<int> GetStatusAsync(Uri url)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = static async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { Timeout = TimeSpan.FromSeconds(5) };

        int status = 0;
        for (int attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(url).ConfigureAwait(false);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        return status;
    }
}
