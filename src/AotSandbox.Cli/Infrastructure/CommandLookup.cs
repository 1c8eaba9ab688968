namespace AotSandbox.Cli;

/// <summary>Re-attaches to a command by id, naming the id and the sandbox when there is no such command.</summary>
internal static class CommandLookup
{
    public static async Task<DetachedCommand> GetAsync(Sandbox sandbox, string execId, GetCommandOptions? options, CancellationToken cancellationToken)
    {
        try
        {
            return await sandbox.GetCommandAsync(execId, options, cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxCommandNotFoundException e)
        {
            throw new CliException($"no command '{execId}' in sandbox '{sandbox.Id}' (unknown id, or it exited too long ago: {e.Message})", e);
        }
    }
}
