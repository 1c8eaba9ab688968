using System.CommandLine;
using System.Globalization;

namespace AotSandbox.Cli.Commands;

/// <summary>`aotsandbox ls ID [PATH]`: a directory listing inside the sandbox (relative to /workspace).</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Sandbox id." };
        var path = new Argument<string>("path") { Description = "Directory (relative paths start at /workspace).", DefaultValueFactory = _ => "." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("ls", "List a directory in a sandbox.") { id, path, json };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            await using Sandbox sandbox = await Endpoint.AttachAsync(result, result.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<FileEntry> entries = await sandbox.ListFilesAsync(result.GetValue(path)!, cancellationToken).ConfigureAwait(false);
            IOrderedEnumerable<FileEntry> sorted = entries.OrderBy(e => e.Name, StringComparer.Ordinal);
            if (result.GetValue(json))
            {
                JsonOut.Write(writer =>
                {
                    writer.WriteStartArray();
                    foreach (FileEntry entry in sorted)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", entry.Name);
                        writer.WriteString("type", entry.Type);
                        if (entry.Size is { } size)
                        {
                            writer.WriteNumber("size", size);
                        }

                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                });
                return 0;
            }

            foreach (FileEntry entry in sorted)
            {
                string size = entry.Size is { } s ? s.ToString(CultureInfo.InvariantCulture) : "-";
                string name = entry.IsDirectory ? Style.Accent(entry.Name + "/") : entry.Name;
                Console.Out.WriteLine($"{entry.Type,-9} {size,12}  {name}");
            }

            return 0;
        });
        return command;
    }
}
