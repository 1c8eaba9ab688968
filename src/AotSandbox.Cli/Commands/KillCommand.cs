using System.CommandLine;

namespace AotSandbox.Cli.Commands;

/// <summary>`aotsandbox kill ID EXEC-ID [--signal S]`: signals a (detached) command.</summary>
internal static class KillCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Sandbox id." };
        var execId = new Argument<string>("exec-id") { Description = "Command id (printed by exec --detach)." };
        var signal = new Option<string>("--signal", "-s") { Description = "Signal name, e.g. SIGTERM, SIGKILL, SIGINT.", DefaultValueFactory = _ => "SIGTERM" };
        var command = new Command("kill", "Send a signal to a command running in a sandbox.") { id, execId, signal };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            string name = result.GetValue(signal)!.ToUpperInvariant();
            if (!name.StartsWith("SIG", StringComparison.Ordinal))
            {
                name = "SIG" + name; // accept `-s KILL` like kill(1)
            }

            await using Sandbox sandbox = await Endpoint.AttachAsync(result, result.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            // exec.kill has no reply, so a wrong id would pass silently: look the command up first (exec.get), which
            // fails with a clear "not found" for an unknown or long-gone command.
            DetachedCommand command = await CommandLookup.GetAsync(sandbox, result.GetValue(execId)!, null, cancellationToken).ConfigureAwait(false);
            await command.KillAsync(name, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
