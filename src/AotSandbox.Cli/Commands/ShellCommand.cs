using System.CommandLine;
using AotSandbox.Cli.Terminal;

namespace AotSandbox.Cli.Commands;

/// <summary>
/// `aotsandbox shell ID [--command CMD]`: an interactive shell on a pseudo-terminal in the sandbox (the exec.pty
/// extension), with this terminal in raw mode until it ends; its exit code becomes the CLI's.
/// </summary>
internal static class ShellCommand
{
    /// <summary>bash when the sandbox has it (as a login shell, so its profile sets the prompt), else sh.</summary>
    public const string DefaultShell = "if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi";

    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Sandbox id." };
        var shell = new Option<string?>("--command", "-c") { Description = "What to run on the terminal instead of the login shell (a shell string), e.g. --command 'python3'." };
        var command = new Command("shell", "Open an interactive shell in a sandbox on a real terminal (raw mode, Ctrl-C and window size passed through); returns its exit code. Needs a terminal and a service that offers the exec.pty extension.")
        {
            id,
            shell,
        };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            ShellSession.RequireTerminal(); // before connecting: no network round trip to learn there is no terminal
            string line = result.GetValue(shell) is { Length: > 0 } given ? given : DefaultShell;
            await using Sandbox sandbox = await Endpoint.AttachAsync(result, result.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            return await ShellSession.RunAsync(sandbox, line, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
