namespace AotSandbox.Emulator.DataPlane;

/// <summary>The <c>code</c> values of <c>error</c> frames (docs/PROTOCOL.md §3.12); file errors use errno names from the runtime.</summary>
internal static class ErrorCodes
{
    public const string NotFound = "NOT_FOUND";
    public const string LimitExceeded = "LIMIT_EXCEEDED";
    public const string InvalidRequest = "INVALID_REQUEST";
    public const string InvalidSignal = "INVALID_SIGNAL";
    public const string StdinOverflow = "STDIN_OVERFLOW";
    public const string FileTooLarge = "FILE_TOO_LARGE";
    public const string Unsupported = "UNSUPPORTED";
    public const string SpawnFailed = "SPAWN_FAILED";
    public const string Internal = "INTERNAL";
}
