namespace AotSandbox.Cli;

/// <summary>
/// Pipes this process's stdin into a command (then end-of-input) when stdin is a file or pipe. On a terminal the
/// command gets end-of-input at once, as `docker exec` without -i does: otherwise `cat` would wait forever.
/// </summary>
internal static class StdinPump
{
    private const int ChunkBytes = 64 * 1024;

    public static async Task RunAsync(Sandbox sandbox, string execId, CancellationToken cancellationToken)
    {
        if (Console.IsInputRedirected)
        {
            using Stream stdin = Console.OpenStandardInput();
            byte[] buffer = new byte[ChunkBytes];
            int read;
            while ((read = await stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await sandbox.WriteStdinAsync(execId, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }

        await sandbox.CloseStdinAsync(execId, cancellationToken).ConfigureAwait(false);
    }
}
