using System.CommandLine;

namespace AotSandbox.Cli.Commands;

/// <summary>`aotsandbox url ID PORT`: the preview URL of a port declared at create.</summary>
internal static class UrlCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Sandbox id." };
        var port = new Argument<int>("port") { Description = "A port declared with --port at create." };
        var command = new Command("url", "Print the preview URL of a declared port.") { id, port };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            Sandbox sandbox = await Endpoint.GetAsync(result, result.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            Console.Out.WriteLine(sandbox.GetUrl(result.GetValue(port)));
            return 0;
        });
        return command;
    }
}
