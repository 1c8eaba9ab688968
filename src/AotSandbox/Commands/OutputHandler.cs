namespace AotSandbox;

/// <summary>
/// Receives a command's output as it arrives, as UTF-8 bytes that are only valid during the call (copy them to keep
/// them). Called on the connection's receive loop: return quickly, and do not block on other calls of the same sandbox.
/// Exceptions thrown by the handler are caught and dropped so one faulty handler cannot break the connection.
/// </summary>
/// <param name="stream">Which stream the data came from.</param>
/// <param name="utf8Data">The output text, UTF-8 encoded.</param>
public delegate void OutputHandler(OutputStream stream, ReadOnlySpan<byte> utf8Data);
