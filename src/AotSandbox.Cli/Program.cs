using System.CommandLine;
using System.CommandLine.Invocation;
using AotSandbox.Cli;
using AotSandbox.Cli.Commands;

var root = new RootCommand("aotsandbox: run Adobe I/O Runtime-compatible sandboxes locally (serve, demo) and drive any sandbox service from the terminal.\n"
    + "Commands other than serve and demo talk to the service named by __OW_API_HOST, __OW_NAMESPACE and __OW_API_KEY (or --api-host, --namespace, --api-key).");
Endpoint.AddTo(root);
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ImageCommand.Create());
root.Subcommands.Add(CreateCommand.Create());
root.Subcommands.Add(ExecCommand.Create());
root.Subcommands.Add(ShellCommand.Create());
root.Subcommands.Add(AttachCommand.Create());
root.Subcommands.Add(KillCommand.Create());
root.Subcommands.Add(CopyCommand.Create());
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(CatCommand.Create());
root.Subcommands.Add(UrlCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(DestroyCommand.Create());
root.Subcommands.Add(CompletionCommand.Create());
root.Subcommands.Add(PsCommand.Create());

ParseResult parse = root.Parse(args.Length == 0 ? ["--help"] : args); // bare `aotsandbox` shows what it can do
if (parse.Action is ParseErrorAction && parse.Errors.Count > 0)
{
    // One line, not System.CommandLine's error list followed by the whole help text: scripts read stderr line by line.
    string command = parse.CommandResult.Command == root ? "aotsandbox" : $"aotsandbox {parse.CommandResult.Command.Name}";
    // "Unrecognized command or argument 'x'" says more than the "Required command was not provided" that comes with it.
    string error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal))?.Message ?? parse.Errors[0].Message;
    return CliOutput.Fail($"{error} (see `{command} --help`)", CliOutput.UsageExitCode);
}

// Ctrl+C / SIGTERM cancel the command's token; System.CommandLine then force-exits with 128 + n after this timeout
// (2 s by default). `serve` needs longer: it destroys every sandbox, pre-warmed ones included, before it exits 0, and
// under load that took over 2 s. Every other command returns promptly once cancelled.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) };
return await parse.InvokeAsync(invocation).ConfigureAwait(false);
