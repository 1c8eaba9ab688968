namespace AotSandbox.Native.Interop;

/// <summary>The <c>aotsb_status_t</c> values of include/aotsandbox.h; the numbers are ABI and never change meaning.</summary>
internal enum Status
{
    Ok = 0,
    InvalidArgument = 1,
    Cancelled = 2,
    Timeout = 3,
    Initialization = 4,
    Client = 5,
    NotFound = 6,
    Unauthorized = 7,
    WebSocket = 8,
    CommandNotFound = 9,
    InvalidPort = 10,
    PortNotProvisioned = 11,
    ProtocolVersion = 12,
    MalformedFrame = 13,
    Sandbox = 14,
    Internal = 15,
}
