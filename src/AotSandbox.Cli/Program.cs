using System.CommandLine;
using AotSandbox.Cli.Commands;

var root = new RootCommand("aotsandbox: run Adobe I/O Runtime-compatible sandboxes locally (serve, demo) and drive any sandbox service from the terminal.");
root.Subcommands.Add(ServeCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
