using System.CommandLine;
using AotSandbox.Cli.Demo;
using AotSandbox.Emulator;

namespace AotSandbox.Cli.Commands;

/// <summary>
/// `aotsandbox demo`: a guided tour of every capability against a real service. With <c>__OW_API_HOST</c> set it uses
/// that service; otherwise it starts an emulator in-process as instance "demo" (own state root, cgroup, namespaces and
/// uids), so it never disturbs a running `aotsandbox serve`. Exit code 0 only when every step worked.
/// </summary>
internal static class DemoCommand
{
    public const string DefaultInstance = "demo";

    public static Command Create()
    {
        var instance = new Option<string>("--instance")
        {
            Description = "Instance name of the embedded emulator (its own state root, cgroup, namespaces and uids).",
            DefaultValueFactory = _ => DefaultInstance,
        };
        var command = new Command("demo", "Walk through every sandbox capability (create, exec, files, stdin, background commands, preview URLs, policy, destroy). Uses $__OW_API_HOST when set, else starts its own emulator (needs root).")
        {
            instance,
        };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            string? apiHost = result.GetValue(Endpoint.ApiHost) ?? Environment.GetEnvironmentVariable(SandboxCredentials.ApiHostVariable);
            if (!string.IsNullOrEmpty(apiHost))
            {
                Console.Out.WriteLine($"Using the sandbox service at {Style.Accent(apiHost)}.");
                return await RunAsync(apiHost, result.GetValue(Endpoint.Namespace), result.GetValue(Endpoint.ApiKey)).ConfigureAwait(false);
            }

            string name = result.GetValue(instance)!;
            var server = new EmulatorServer(new EmulatorOptions { InstanceName = name, Namespace = "demo" });
            await using (server.ConfigureAwait(false))
            {
                try
                {
                    await server.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidOperationException e)
                {
                    return CliOutput.Fail($"cannot start the demo's emulator: {e.Message}");
                }

                Console.Out.WriteLine($"Started an embedded emulator (instance '{name}') at {Style.Accent(server.ApiHost)}; it stops when the demo ends.");
                return await RunAsync(server.ApiHost, server.Namespace, server.ApiKey).ConfigureAwait(false);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string? apiHost, string? ns, string? apiKey)
    {
        var runner = new DemoRunner();
        try
        {
            await new DemoScript(runner, apiHost, ns, apiKey).RunAsync().ConfigureAwait(false);
        }
        finally
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine(Style.Bold("Cleaning up"));
            int cleanupFailures = await runner.CleanUpAsync().ConfigureAwait(false);
            if (cleanupFailures > 0)
            {
                runner.CountCleanupFailures(cleanupFailures);
            }
        }

        Console.Out.WriteLine();
        bool allGood = runner.Failed == 0;
        Console.Out.WriteLine(allGood
            ? Style.Good($"Demo complete: all {runner.Passed} steps worked.")
            : Style.Bad($"Demo failed: {runner.Passed} step(s) worked, {runner.Failed} failed."));
        return allGood ? 0 : CliOutput.ErrorExitCode;
    }
}
