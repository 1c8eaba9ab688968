namespace AotSandbox.Transport;

/// <summary>The WebSocket connection could not be opened: TCP, TLS or the HTTP upgrade failed.</summary>
internal sealed class WebSocketConnectException : IOException
{
    /// <summary>Creates the exception with a default message.</summary>
    public WebSocketConnectException()
        : base("The WebSocket connection could not be opened.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public WebSocketConnectException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public WebSocketConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a refused upgrade.</summary>
    public WebSocketConnectException(string message, int httpStatusCode)
        : base(message)
    {
        HttpStatusCode = httpStatusCode;
    }

    /// <summary>The HTTP status the server answered the upgrade with, when it was not 101; otherwise 0.</summary>
    public int HttpStatusCode { get; }
}
