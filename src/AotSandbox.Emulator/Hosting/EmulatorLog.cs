using Microsoft.Extensions.Logging;

namespace AotSandbox.Emulator;

/// <summary>Every log line of the emulator, source-generated (no boxing, no format parsing at run time).</summary>
internal static partial class EmulatorLog
{
    [LoggerMessage(1, LogLevel.Information, "Emulator listening on {Address} (namespace {Namespace})")]
    public static partial void Listening(ILogger logger, Uri address, string @namespace);

    [LoggerMessage(2, LogLevel.Information, "Sandbox {SandboxId} created in {Namespace} ({Size})")]
    public static partial void SandboxCreated(ILogger logger, string sandboxId, string @namespace, string size);

    [LoggerMessage(3, LogLevel.Information, "Sandbox {SandboxId} {Status}: {Reason}")]
    public static partial void SandboxEnded(ILogger logger, string sandboxId, string status, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Tearing down sandbox {SandboxId} failed")]
    public static partial void TeardownFailed(ILogger logger, string sandboxId, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Creating a sandbox failed: {Message}")]
    public static partial void CreateFailed(ILogger logger, string message);

    [LoggerMessage(6, LogLevel.Debug, "WebSocket {ConnectionId} closed for sandbox {SandboxId}: {Status}")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, string sandboxId, string status);

    [LoggerMessage(7, LogLevel.Warning, "Handling a frame of WebSocket {ConnectionId} failed")]
    public static partial void FrameFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "Starting a pre-warmed sandbox failed; the pool retries later (creates start sandboxes on demand meanwhile)")]
    public static partial void PoolStartFailed(ILogger logger, Exception exception);
}
