using System.CommandLine;

namespace AotSandbox.Cli.Commands;

/// <summary>
/// `aotsandbox attach ID EXEC-ID`: follows a detached command's output until it exits, and returns its exit code.
/// When the server advertises <c>exec.replay</c>, output produced before attaching is replayed first.
/// </summary>
internal static class AttachCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Sandbox id." };
        var execId = new Argument<string>("exec-id") { Description = "Command id (printed by exec --detach)." };
        var noReplay = new Option<bool>("--no-replay") { Description = "Only output from now on, even when the server can replay earlier output." };
        var command = new Command("attach", "Follow a detached command's output; exits with its exit code.") { id, execId, noReplay };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            await using Sandbox sandbox = await Endpoint.AttachAsync(result, result.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            using var sink = new OutputSink();
            bool replay = !result.GetValue(noReplay) && sandbox.Extensions.Contains(SandboxExtensionNames.ExecReplay);
            DetachedCommand handle = await CommandLookup.GetAsync(
                sandbox,
                result.GetValue(execId)!,
                new GetCommandOptions { OnOutput = sink.Handler, Replay = replay },
                cancellationToken).ConfigureAwait(false);
            CommandExit exit = await handle.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (exit.Destroyed || exit.ExitCode is null)
            {
                throw new CliException("the sandbox was destroyed while the command ran");
            }

            return ExitCodes.FromCommand(exit.ExitCode.Value);
        });
        return command;
    }
}
