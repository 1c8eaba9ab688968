using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Tests.Transport.Support;

/// <summary>
/// An ASP.NET Core (Kestrel + ManagedWebSocket) server on 127.0.0.1:0, used as an independent RFC 6455 peer.
/// Paths: /echo (echoes; messages over 64 KiB go back in 64 KiB fragments), /keepalive (echo, and the server pings
/// every 100 ms and aborts if a pong does not come back within 1.5 s), /close/{code} (the server closes with that code), /refuse (403 with a JSON body).
/// </summary>
internal sealed class KestrelWebSocketServer : IAsyncDisposable
{
    private const int FragmentSize = 64 * 1024;
    private readonly WebApplication _app;
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _clientClose = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KestrelWebSocketServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>The close code the server received from the client (on /echo and /keepalive).</summary>
    public Task<WebSocketCloseStatus?> ClientClose => _clientClose.Task;

    public Uri At(string path) => new(BaseUri, path);

    public static async Task<KestrelWebSocketServer> StartAsync(X509Certificate2? certificate = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        WebApplication app = builder.Build();
        app.UseWebSockets();
        KestrelWebSocketServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();
        string address = app.Services.GetService(typeof(IServer)) is IServer s
            ? s.Features.Get<IServerAddressesFeature>()!.Addresses.First()
            : throw new InvalidOperationException("No server.");
        int port = new Uri(address).Port;
        server = new KestrelWebSocketServer(app, new Uri($"{(certificate is null ? "ws" : "wss")}://127.0.0.1:{port}/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == "/refuse")
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync("{\"error\":\"sandbox is not yours\"}");
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        string path = context.Request.Path.Value ?? "";
        CancellationToken aborted = context.RequestAborted;
        if (path.StartsWith("/close/", StringComparison.Ordinal))
        {
            using WebSocket closing = await context.WebSockets.AcceptWebSocketAsync();
            await closing.CloseAsync((WebSocketCloseStatus)int.Parse(path[7..], System.Globalization.CultureInfo.InvariantCulture), "server says bye", aborted);
            return;
        }

        using WebSocket socket = path == "/keepalive"
            ? await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromMilliseconds(100), KeepAliveTimeout = TimeSpan.FromSeconds(1.5) })
            : await context.WebSockets.AcceptWebSocketAsync();
        byte[] buffer = new byte[FragmentSize];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, aborted);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _clientClose.TrySetResult(result.CloseStatus);
                    await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.Empty, result.CloseStatusDescription, aborted);
                    return;
                }

                byte[] payload = message.ToArray();
                for (int offset = 0; offset < payload.Length || offset == 0; offset += FragmentSize)
                {
                    int count = Math.Min(FragmentSize, payload.Length - offset);
                    await socket.SendAsync(payload.AsMemory(offset, count), result.MessageType, offset + count >= payload.Length, aborted);
                    if (payload.Length == 0)
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            _clientClose.TrySetResult(null);
        }
    }
}
