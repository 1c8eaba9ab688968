namespace AotSandbox;

/// <summary>
/// Receives what a terminal command (<see cref="Sandbox.StartPtyAsync"/>) prints: raw terminal bytes (escape sequences,
/// any encoding, stdout and stderr merged as a terminal merges them), valid only during the call. Called on the
/// connection's receive loop: return quickly. Exceptions thrown by the handler are caught and dropped.
/// </summary>
/// <param name="data">The bytes, exactly as the terminal produced them.</param>
public delegate void TerminalOutputHandler(ReadOnlySpan<byte> data);
