using System.CommandLine;
using AotSandbox.Cli;
using AotSandbox.Cli.Commands;

var root = new RootCommand("aotsandbox: run Adobe I/O Runtime-compatible sandboxes locally (serve, demo) and drive any sandbox service from the terminal.\n"
    + "Commands other than serve and demo talk to the service named by __OW_API_HOST, __OW_NAMESPACE and __OW_API_KEY (or --api-host, --namespace, --api-key).");
Endpoint.AddTo(root);
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(CreateCommand.Create());
root.Subcommands.Add(ExecCommand.Create());
root.Subcommands.Add(AttachCommand.Create());
root.Subcommands.Add(KillCommand.Create());
root.Subcommands.Add(CopyCommand.Create());
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(CatCommand.Create());
root.Subcommands.Add(UrlCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(DestroyCommand.Create());
root.Subcommands.Add(CompletionCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
