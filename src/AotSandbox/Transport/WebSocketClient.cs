namespace AotSandbox.Transport;

/// <summary>Opens RFC 6455 client connections (ws:// and wss://) over System.IO.Pipelines.</summary>
internal static class WebSocketClient
{
    /// <summary>Connects, performs the HTTP/1.1 upgrade and returns the open connection.</summary>
    public static ValueTask<IMessageTransport> ConnectAsync(Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
        => throw new NotImplementedException("The transport helper replaces this stub.");
}
