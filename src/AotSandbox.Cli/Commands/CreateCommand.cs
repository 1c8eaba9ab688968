using System.CommandLine;

namespace AotSandbox.Cli.Commands;

/// <summary>`aotsandbox create`: every create option of the SDK; records the session token for later commands.</summary>
internal static class CreateCommand
{
    public static Command Create()
    {
        var name = new Option<string?>("--name") { Description = "Display name." };
        var type = new Option<string>("--type") { Description = "Sandbox type.", DefaultValueFactory = _ => "cpu:default" };
        var size = new Option<SandboxSize>("--size") { Description = "Resource tier: Small, Medium, Large, XLarge.", DefaultValueFactory = _ => SandboxSize.Medium };
        var maxLifetime = new Option<int>("--max-lifetime") { Description = "Seconds before the sandbox is destroyed, whatever it does.", DefaultValueFactory = _ => 3600 };
        var idleTimeout = new Option<int>("--idle-timeout") { Description = "Seconds without a connection before the sandbox is destroyed.", DefaultValueFactory = _ => 900 };
        var ports = new Option<int[]>("--port", "-p") { Description = "Port to expose through a preview URL (repeatable).", AllowMultipleArgumentsPerToken = false };
        var envs = new Option<string[]>("--env", "-e") { Description = "Environment variable KEY=VALUE (repeatable).", AllowMultipleArgumentsPerToken = false };
        var policy = new Option<FileInfo?>("--policy") { Description = "JSON policy file, e.g. {\"network\":{\"egress\":[{\"host\":\"httpbin.org\",\"port\":443}]}}." };
        var cluster = new Option<string?>("--cluster") { Description = "Cluster to run in." };
        var region = new Option<string?>("--region") { Description = "Region to run in (routes the API host)." };
        var json = new Option<bool>("--json") { Description = "Print the whole sandbox description as JSON instead of the id." };

        var command = new Command("create", "Create a sandbox and print its id (its session token is kept for exec, cp, attach...).")
        {
            name, type, size, maxLifetime, idleTimeout, ports, envs, policy, cluster, region, json,
        };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            var options = new SandboxCreateOptions
            {
                ApiHost = result.GetValue(Endpoint.ApiHost),
                Namespace = result.GetValue(Endpoint.Namespace),
                ApiKey = result.GetValue(Endpoint.ApiKey),
                Name = result.GetValue(name),
                Type = result.GetValue(type)!,
                Size = result.GetValue(size),
                MaxLifetime = Seconds(result.GetValue(maxLifetime), "--max-lifetime"),
                IdleTimeout = Seconds(result.GetValue(idleTimeout), "--idle-timeout"),
                Ports = result.GetValue(ports) is { Length: > 0 } p ? p.ToList() : null,
                Envs = ParseEnvs(result.GetValue(envs)),
                Policy = result.GetValue(policy) is { } file ? PolicyFile.Load(file.FullName) : null,
                Cluster = result.GetValue(cluster),
                Region = result.GetValue(region),
            };

            await using Sandbox sandbox = await Sandbox.CreateAsync(options, cancellationToken).ConfigureAwait(false);
            DateTimeOffset createdAt = DateTimeOffset.UtcNow;
            string stateFile = SandboxStateStore.Save(new SandboxRecord(
                sandbox.Id, sandbox.ApiHost, sandbox.Namespace, sandbox.WebSocketEndpoint, sandbox.ManagementEndpoint, sandbox.SessionToken!)
            {
                // Kept for `ps` against a service that cannot list (its only source then).
                Name = sandbox.Name ?? options.Name,
                Size = options.Size.ToString().ToUpperInvariant(),
                CreatedAt = createdAt,
                ExpiresAt = createdAt + sandbox.MaxLifetime,
                PreviewUrls = sandbox.PreviewUrls,
            });
            if (result.GetValue(json))
            {
                JsonOut.Write(writer => SandboxJson.Write(writer, sandbox, stateFile));
            }
            else
            {
                Console.Out.WriteLine(sandbox.Id);
            }

            // Disposing closes this connection only: the sandbox lives on until `destroy`, its idle timeout or max lifetime.
            return 0;
        });
        return command;
    }

    private static TimeSpan Seconds(int value, string option) =>
        value > 0 ? TimeSpan.FromSeconds(value) : throw new CliException($"{option} must be a positive number of seconds");

    private static Dictionary<string, string>? ParseEnvs(string[]? pairs)
    {
        if (pairs is not { Length: > 0 })
        {
            return null;
        }

        var envs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in pairs)
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"--env expects KEY=VALUE, got '{pair}'");
            }

            envs[pair[..equals]] = pair[(equals + 1)..];
        }

        return envs;
    }
}
