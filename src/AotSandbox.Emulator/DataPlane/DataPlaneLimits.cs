namespace AotSandbox.Emulator.DataPlane;

/// <summary>Every bound of the data plane in one place (documented in docs/PROTOCOL.md §3.13).</summary>
internal static class DataPlaneLimits
{
    /// <summary>Largest client message; a whole-file <c>file.write</c> of ~12 MiB fits. Bigger → close 1009.</summary>
    public const int MaxInboundMessageBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Largest client message in strict-protocol mode: the 1 MiB message cap of the service's reference clients, so
    /// a client that works here never sends a frame the real service would refuse. Bigger → close 1009.
    /// </summary>
    public const int StrictMaxInboundMessageBytes = 1024 * 1024;

    /// <summary>
    /// Largest message before <c>auth.ok</c>: an auth frame is a type and a 43-character token. Bigger → close 1009, so
    /// a client without a token cannot make the server buffer a whole <see cref="MaxInboundMessageBytes"/> message.
    /// </summary>
    public const int MaxAuthMessageBytes = 8 * 1024;

    /// <summary>
    /// Connections upgraded but not yet authenticated, per server. Beyond it the upgrade is answered 503: the few KiB
    /// each holds until its auth deadline stay bounded, and authenticated clients are not affected.
    /// </summary>
    public const int MaxUnauthenticatedConnections = 256;

    /// <summary>
    /// Frames queued per connection before senders wait: output frames carry ≤ 96 KiB of escaped data each
    /// (<see cref="ExecOutputFrames.MaxEscapedDataBytes"/>), so about 6 MiB per connection at most.
    /// </summary>
    public const int OutgoingQueueFrames = 64;

    /// <summary>Client frames handled per connection per second; beyond it the reader pauses until the next second (pacing, not a close).</summary>
    public const int MaxFramesPerSecond = 2000;

    /// <summary>Running detached execs per sandbox (the documented service limit).</summary>
    public const int MaxRunningDetached = 5;

    /// <summary>Running execs of any kind per sandbox (foreground included); pids.max bounds what they spawn.</summary>
    public const int MaxRunningExecs = 64;

    /// <summary>Exited detached execs kept for replay per sandbox; the oldest is forgotten first.</summary>
    public const int MaxRetainedExited = 32;

    /// <summary>
    /// Exited foreground exec ids remembered per sandbox, so that control frames racing the exit are no-ops rather
    /// than NOT_FOUND errors; the oldest is forgotten first, and none is kept past <see cref="ExitedForegroundRetention"/>.
    /// </summary>
    public const int MaxRetainedExitedForeground = 256;

    /// <summary>How long an exited foreground exec id absorbs late control frames.</summary>
    public static readonly TimeSpan ExitedForegroundRetention = TimeSpan.FromSeconds(30);

    /// <summary>Stdin bytes accepted but not yet taken by the process, per exec.</summary>
    public const long MaxPendingStdinBytes = 8 * 1024 * 1024;

    /// <summary>Whole-file reads larger than this do not fit one frame once base64-encoded (&lt; 1 MiB).</summary>
    public const int MaxWholeFileReadBytes = 700 * 1024;

    /// <summary>Largest <c>length</c> of a ranged read (file.range extension).</summary>
    public const int MaxRangeReadBytes = 512 * 1024;

    /// <summary>
    /// Largest <c>length</c> of a ranged read answered in binary (file.binary): raw bytes need no base64 room, and it is
    /// the agent's largest single read.
    /// </summary>
    public const int MaxBinaryRangeReadBytes = 1024 * 1024;

    /// <summary>File operations in flight per connection; more wait (backpressure on the reader).</summary>
    public const int MaxConcurrentFileOps = 4;

    /// <summary>Longest accepted command, path and exec id.</summary>
    public const int MaxCommandChars = 256 * 1024;
    public const int MaxPathChars = 4096;
    public const int MaxExecIdChars = 128;
}
