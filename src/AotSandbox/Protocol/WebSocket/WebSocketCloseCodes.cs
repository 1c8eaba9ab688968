namespace AotSandbox.Protocol.WebSocket;

/// <summary>RFC 6455 §7.4 close status codes the transport uses, and the rule for which may appear on the wire.</summary>
internal static class WebSocketCloseCodes
{
    /// <summary>Normal closure.</summary>
    public const int NormalClosure = 1000;

    /// <summary>Protocol error.</summary>
    public const int ProtocolError = 1002;

    /// <summary>The close frame carried no status code (never sent on the wire).</summary>
    public const int NoStatusReceived = 1005;

    /// <summary>The connection dropped without a close frame (never sent on the wire).</summary>
    public const int AbnormalClosure = 1006;

    /// <summary>A text message was not valid UTF-8.</summary>
    public const int InvalidPayloadData = 1007;

    /// <summary>A message exceeded the size limit.</summary>
    public const int MessageTooBig = 1009;

    /// <summary>Whether a peer may put this code in a close frame (RFC 6455 §7.4.1/§7.4.2 and the IANA registry).</summary>
    public static bool IsValidOnWire(int code)
        => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
