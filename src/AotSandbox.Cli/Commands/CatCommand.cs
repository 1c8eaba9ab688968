using System.CommandLine;

namespace AotSandbox.Cli.Commands;

/// <summary>`aotsandbox cat ID PATH`: a file's raw bytes on stdout.</summary>
internal static class CatCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Sandbox id." };
        var path = new Argument<string>("path") { Description = "File (relative paths start at /workspace)." };
        var command = new Command("cat", "Print a file from a sandbox (bytes as they are).") { id, path };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            await using Sandbox sandbox = await Endpoint.AttachAsync(result, result.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            using Stream stdout = Console.OpenStandardOutput();
            await sandbox.DownloadFileAsync(result.GetValue(path)!, stdout, progress: null, cancellationToken).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
