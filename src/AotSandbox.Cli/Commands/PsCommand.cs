using System.CommandLine;

namespace AotSandbox.Cli.Commands;

/// <summary>
/// `aotsandbox ps` (alias `sandboxes`): the namespace's sandboxes from the service's <c>sandbox.list</c> extension, or,
/// where the service has none (Adobe's, a strict emulator), the ones this CLI created there, from its local records.
/// Not `ls`: that lists a directory inside one sandbox.
/// </summary>
internal static class PsCommand
{
    public static Command Create()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Also show sandboxes that ended recently (destroyed, expired, failed) and why." };
        var json = new Option<bool>("--json") { Description = "Print JSON: {\"source\":\"service\"|\"local-records\",\"sandboxes\":[...]}." };
        var command = new Command("ps", "List your sandboxes: id, name, status, age, size, ports (the service's sandbox.list extension; "
            + "without it, the ones this CLI created there, from its local records, with a note on stderr).")
        {
            all, json,
        };
        command.Aliases.Add("sandboxes");
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            var options = new SandboxListOptions
            {
                ApiHost = result.GetValue(Endpoint.ApiHost),
                Namespace = result.GetValue(Endpoint.Namespace),
                ApiKey = result.GetValue(Endpoint.ApiKey),
                IncludeEnded = result.GetValue(all),
            };

            List<SandboxRow> rows;
            string source;
            DateTimeOffset now;
            try
            {
                IReadOnlyList<SandboxSummary> listed = await Sandbox.ListAsync(options, cancellationToken).ConfigureAwait(false);
                now = DateTimeOffset.UtcNow;
                rows = listed.Select(SandboxRow.From).ToList();
                source = "service";
            }
            catch (SandboxExtensionNotSupportedException)
            {
                now = DateTimeOffset.UtcNow;
                rows = FromRecords(options, result.GetValue(all), now);
                source = "local-records";
            }

            if (result.GetValue(json))
            {
                JsonOut.Write(writer => SandboxTable.WriteJson(writer, rows, source, now));
            }
            else
            {
                Console.Out.Write(SandboxTable.Render(rows, now));
            }

            return 0;
        });
        return command;
    }

    private static List<SandboxRow> FromRecords(SandboxListOptions options, bool includeEnded, DateTimeOffset now)
    {
        SandboxCredentials credentials = SandboxCredentials.Resolve(options.ApiHost, options.Namespace, options.ApiKey);
        List<SandboxRow> rows = SandboxStateStore.LoadAll(credentials.ApiHost, credentials.Namespace, out int skipped, out bool truncated)
            .Select(r => SandboxRow.From(r, now))
            .Where(r => includeEnded || r.Status != "expired")
            .OrderBy(r => r.CreatedAt)
            .ToList();
        Console.Error.WriteLine(Style.DimErr(
            $"note: {credentials.ApiHost} cannot list sandboxes (it does not offer the sandbox.list extension); showing the {rows.Count} "
            + $"this CLI created in namespace '{credentials.Namespace}', from its records in {SandboxStateStore.Directory}. "
            + "Their status is not checked: 'unknown' may mean destroyed elsewhere or idled out."
            + (includeEnded ? string.Empty : " Records past their max lifetime are hidden; --all shows them.")));
        if (skipped > 0)
        {
            Console.Error.WriteLine(Style.DimErr($"note: {skipped} record file(s) there could not be read and were skipped."));
        }

        if (truncated)
        {
            Console.Error.WriteLine(Style.DimErr($"note: only the first {SandboxStateStore.MaxListedRecords} record files were read."));
        }

        return rows;
    }
}
