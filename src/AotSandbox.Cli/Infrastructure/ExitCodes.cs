namespace AotSandbox.Cli;

/// <summary>Maps a sandboxed command's exit code onto this process's, the way a shell reports it.</summary>
internal static class ExitCodes
{
    /// <summary>0..255 as is; a signal death reported as a negative number becomes 128 + signal, like sh does.</summary>
    public static int FromCommand(int code) => code switch
    {
        >= 0 and <= 255 => code,
        < 0 and >= -64 => 128 - code,
        _ => code & 0xFF,
    };
}
