using System.CommandLine;
using System.Globalization;

namespace AotSandbox.Cli.Commands;

/// <summary>`aotsandbox status ID`: the service's view of a sandbox (REST only; no token needed).</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Sandbox id." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("status", "Show a sandbox's status, lifetimes and preview URLs.") { id, json };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            Sandbox sandbox = await Endpoint.GetAsync(result, result.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            if (result.GetValue(json))
            {
                JsonOut.Write(writer => SandboxJson.Write(writer, sandbox));
                return 0;
            }

            string status = sandbox.Status ?? "unknown";
            Console.Out.WriteLine($"{Style.Bold(sandbox.Id)}  {(status is "ready" or "running" ? Style.Good(status) : Style.Bad(status))}");
            Row("name", sandbox.Name ?? "-");
            Row("namespace", sandbox.Namespace);
            Row("max lifetime", string.Create(CultureInfo.InvariantCulture, $"{sandbox.MaxLifetime.TotalSeconds:0}s"));
            Row("idle timeout", string.Create(CultureInfo.InvariantCulture, $"{sandbox.IdleTimeout.TotalSeconds:0}s"));
            if (sandbox.Cluster is not null || sandbox.Region is not null)
            {
                Row("cluster/region", $"{sandbox.Cluster ?? "-"} / {sandbox.Region ?? "-"}");
            }

            foreach (KeyValuePair<int, string> url in sandbox.PreviewUrls.OrderBy(u => u.Key))
            {
                Row(string.Create(CultureInfo.InvariantCulture, $"port {url.Key}"), Style.Accent(url.Value));
            }

            Row("token stored", SandboxStateStore.TryLoad(sandbox.Id) is null ? "no" : "yes");
            return 0;
        });
        return command;
    }

    private static void Row(string label, string value) => Console.Out.WriteLine($"  {Style.Dim(label.PadRight(14))} {value}");
}
