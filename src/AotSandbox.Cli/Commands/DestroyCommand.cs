using System.CommandLine;

namespace AotSandbox.Cli.Commands;

/// <summary>`aotsandbox destroy ID...`: deletes sandboxes and forgets their stored tokens.</summary>
internal static class DestroyCommand
{
    public static Command Create()
    {
        var ids = new Argument<string[]>("id") { Description = "Sandbox id(s).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("destroy", "Destroy sandboxes (their processes end, their files are gone).") { ids };
        command.Aliases.Add("rm");
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            foreach (string id in result.GetValue(ids)!)
            {
                Sandbox sandbox;
                try
                {
                    sandbox = await Endpoint.GetAsync(result, id, cancellationToken).ConfigureAwait(false);
                }
                catch (CliException e) when (e.InnerException is SandboxNotFoundException)
                {
                    SandboxStateStore.Delete(id); // gone already: the stored token is useless
                    throw;
                }

                SandboxDestroyResult destroyed = await sandbox.DestroyAsync(cancellationToken).ConfigureAwait(false);
                SandboxStateStore.Delete(id);
                Console.Out.WriteLine($"{destroyed.SandboxId} {Style.Dim(destroyed.Status ?? "destroyed")}");
            }

            return 0;
        });
        return command;
    }
}
