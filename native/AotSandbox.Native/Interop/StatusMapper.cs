namespace AotSandbox.Native.Interop;

/// <summary>Maps an exception to the status a C caller sees. Most specific SDK types first: several derive from Client.</summary>
internal static class StatusMapper
{
    public static Status From(Exception exception) => exception switch
    {
        NativeCallException n => n.Status,
        SandboxInvalidPortException => Status.InvalidPort,
        SandboxPortNotProvisionedException => Status.PortNotProvisioned,
        ProtocolVersionMismatchException => Status.ProtocolVersion,
        SandboxMalformedFrameException => Status.MalformedFrame,
        SandboxClientException => Status.Client,
        SandboxInitializationException => Status.Initialization,
        SandboxNotFoundException => Status.NotFound,
        SandboxUnauthorizedException => Status.Unauthorized,
        SandboxTimeoutException => Status.Timeout,
        SandboxWebSocketException => Status.WebSocket,
        SandboxCommandNotFoundException => Status.CommandNotFound,
        SandboxException => Status.Sandbox,
        OperationCanceledException => Status.Cancelled,
        TimeoutException => Status.Timeout,
        ArgumentException => Status.InvalidArgument,
        _ => Status.Internal,
    };
}
