using System.CommandLine;
using System.Text.RegularExpressions;

namespace AotSandbox.Cli.Commands;

/// <summary>
/// `aotsandbox cp SRC DST` where exactly one side is <c>ID:PATH</c>: binary-safe file copy into or out of a sandbox.
/// Files stream through in ordered 512 KiB chunks when the server supports ranged transfers (memory stays at one
/// chunk, whatever the size), with a progress line on a terminal.
/// </summary>
internal static partial class CopyCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "LOCAL-FILE or ID:PATH (use - for stdin)." };
        var destination = new Argument<string>("destination") { Description = "ID:PATH or LOCAL-PATH (use - for stdout)." };
        var command = new Command("cp", "Copy a file into (LOCAL ID:PATH) or out of (ID:PATH LOCAL) a sandbox; bytes are kept exactly.") { source, destination };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            string from = result.GetValue(source)!;
            string to = result.GetValue(destination)!;
            (string Id, string Path)? remoteFrom = Remote(from);
            (string Id, string Path)? remoteTo = Remote(to);
            return (remoteFrom, remoteTo) switch
            {
                (null, { } r) => await UploadAsync(result, from, r.Id, r.Path, cancellationToken).ConfigureAwait(false),
                ({ } r, null) => await DownloadAsync(result, r.Id, r.Path, to, cancellationToken).ConfigureAwait(false),
                (null, null) => throw new CliException("one side of cp must be ID:PATH (e.g. cp data.bin sb-abc:data.bin)"),
                _ => throw new CliException("cp between two sandboxes is not supported: copy to a local file first"),
            };
        });
        return command;
    }

    private static async Task<int> UploadAsync(ParseResult result, string local, string id, string path, CancellationToken cancellationToken)
    {
        if (local != "-" && Directory.Exists(local))
        {
            throw new CliException($"{local} is a directory: cp copies single files");
        }

        if (path.Length == 0 || path.EndsWith('/'))
        {
            path += local == "-" ? "stdin" : Path.GetFileName(local);
        }

        // Opened before connecting, so a missing local file fails without touching the service.
        using Stream source = local == "-" ? Console.OpenStandardInput() : new FileStream(local, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        long total = source.CanSeek ? source.Length : -1;
        await using Sandbox sandbox = await Endpoint.AttachAsync(result, id, cancellationToken).ConfigureAwait(false);
        WriteResult written;
        var progress = new TransferProgress($"{local} → {id}:{path}", total);
        await using (progress.ConfigureAwait(false))
        {
            written = await sandbox.UploadFileAsync(path, source, progress, cancellationToken).ConfigureAwait(false);
        }

        if (!written.Ok)
        {
            throw new CliException($"the sandbox was destroyed during the copy to {path}");
        }

        return 0;
    }

    private static async Task<int> DownloadAsync(ParseResult result, string id, string path, string local, CancellationToken cancellationToken)
    {
        await using Sandbox sandbox = await Endpoint.AttachAsync(result, id, cancellationToken).ConfigureAwait(false);
        if (local == "-")
        {
            using Stream stdout = Console.OpenStandardOutput();
            await sandbox.DownloadFileAsync(path, stdout, progress: null, cancellationToken).ConfigureAwait(false);
            return 0;
        }

        if (Directory.Exists(local))
        {
            local = Path.Combine(local, Path.GetFileName(path.TrimEnd('/')));
        }

        // Written beside the target, then renamed: an interrupted copy never leaves a truncated file under the real name.
        string temporary = local + ".aotsandbox-part";
        try
        {
            var progress = new TransferProgress($"{id}:{path} → {local}", -1);
            await using (progress.ConfigureAwait(false))
            {
                using var target = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await sandbox.DownloadFileAsync(path, target, progress, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, local, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // no-op after the rename
        }

        return 0;
    }

    /// <summary>
    /// <c>ID:PATH</c> when the text starts with something shaped like a sandbox id and a colon; local paths such as
    /// <c>./a:b</c> or <c>/tmp/x:y</c> stay local (prefix them with ./ to force that).
    /// </summary>
    private static (string Id, string Path)? Remote(string text)
    {
        Match match = RemotePattern().Match(text);
        return match.Success ? (match.Groups[1].Value, match.Groups[2].Value) : null;
    }

    [GeneratedRegex("^([A-Za-z0-9][A-Za-z0-9_-]*):(.*)$", RegexOptions.Singleline)]
    private static partial Regex RemotePattern();
}
