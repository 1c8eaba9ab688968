namespace AotSandbox.Protocol;

/// <summary>WebSocket close codes with a protocol meaning, and the error each maps to (docs/PROTOCOL.md §3.9).</summary>
internal static class CloseCodes
{
    public const int Normal = 1000;
    public const int Abnormal = 1006;
    public const int Unauthorized = 4001;
    public const int ProtocolVersionMismatch = 4003;
    public const int MalformedFrame = 4004;

    public static SandboxException ToException(string sandboxId, int closeCode)
    {
        SandboxException error = closeCode switch
        {
            Unauthorized => new SandboxUnauthorizedException($"Sandbox '{sandboxId}' rejected the WebSocket authentication token (close code 4001)"),
            ProtocolVersionMismatch => new ProtocolVersionMismatchException($"Sandbox '{sandboxId}' WebSocket protocol version does not match this SDK"),
            MalformedFrame => new SandboxMalformedFrameException($"Sandbox '{sandboxId}' rejected a malformed WebSocket frame"),
            _ => new SandboxWebSocketException($"Sandbox '{sandboxId}' WebSocket closed with code {closeCode}"),
        };
        error.CloseCode = closeCode;
        return error;
    }
}
