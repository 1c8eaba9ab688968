namespace AotSandbox.Emulator.Rest;

/// <summary>
/// A validated list request (docs/PROTOCOL.md §4.6): how many entries at most, where the previous page ended, and
/// whether ended sandboxes (tombstones) are listed too.
/// </summary>
internal sealed record SandboxListQuery(int Limit, SandboxListCursor? After, bool IncludeEnded);
