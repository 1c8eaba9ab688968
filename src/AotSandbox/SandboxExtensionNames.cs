namespace AotSandbox;

/// <summary>Names of the optional protocol extensions a server may advertise in <see cref="Sandbox.Extensions"/>.</summary>
public static class SandboxExtensionNames
{
    /// <summary><c>exec.get</c> may ask for the retained output of a command (<see cref="GetCommandOptions.Replay"/>).</summary>
    public const string ExecReplay = "exec.replay";

    /// <summary>File reads and writes may be split into ranged chunks, so files larger than one frame work.</summary>
    public const string FileRange = "file.range";

    /// <summary>
    /// File chunks may travel as raw bytes in binary WebSocket messages instead of base64 in JSON (docs/PROTOCOL.md §4.7);
    /// the SDK then uses them for every file read and write.
    /// </summary>
    public const string FileBinary = "file.binary";

    /// <summary>Commands may run on a pseudo-terminal with a size, resizes and raw bytes both ways (<see cref="Sandbox.StartPtyAsync"/>).</summary>
    public const string ExecPty = "exec.pty";

    /// <summary>
    /// The service lists a namespace's sandboxes (<see cref="Sandbox.ListAsync"/>). Advertised in create and status
    /// responses and in the list answer itself, which is how a caller without a sandbox learns of it.
    /// </summary>
    public const string SandboxList = "sandbox.list";
}
