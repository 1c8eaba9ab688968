using System.Diagnostics;
using System.Text;
using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Cli;

/// <summary>
/// Publishes the CLI with Native AOT once per run (the publish log doubling as the proof of zero AOT/trim warnings),
/// starts one in-process emulator with real sandboxes on this suite's own range, and runs the PUBLISHED binary
/// against it with the __OW_* variables and a private state directory.
/// </summary>
public sealed class CliFixture : IAsyncLifetime
{
    private const string Tag = "aotsb-clitest";

    internal EmulatorServer Server { get; private set; } = null!;

    /// <summary>A second emulator in strict-protocol mode (no file.range): `cp` must move large files by command there.</summary>
    internal EmulatorServer StrictServer { get; private set; } = null!;

    /// <summary>The published native executable.</summary>
    public string Binary { get; private set; } = null!;

    /// <summary>Every line of the publish output (for the warning assertion).</summary>
    public IReadOnlyList<string> PublishLog { get; private set; } = [];

    public TimeSpan PublishTime { get; private set; }

    /// <summary>XDG_STATE_HOME of the CLI runs (tokens recorded by `create`).</summary>
    public string StateHome { get; } = Path.Combine(Path.GetTempPath(), "aotsb-clitest-state-" + Environment.ProcessId);

    public string WorkDirectory { get; } = Path.Combine(Path.GetTempPath(), "aotsb-clitest-work-" + Environment.ProcessId);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(StateHome);
        Directory.CreateDirectory(WorkDirectory);
        await PublishAsync();
        Server = new EmulatorServer(new EmulatorOptions
        {
            Namespace = "cli-tests",
            RuntimeFactory = _ => new BubblewrapRuntime(new BubblewrapRuntimeOptions
            {
                StateRoot = "/run/" + Tag,
                CgroupParent = Tag,
                NetnsPrefix = "clit-",
                UidBase = 620000,
                UidCount = 32,
            }),
        });
        await Server.StartAsync();
        StrictServer = new EmulatorServer(new EmulatorOptions
        {
            Namespace = "cli-strict",
            StrictProtocol = true,
            RuntimeFactory = _ => new BubblewrapRuntime(new BubblewrapRuntimeOptions
            {
                StateRoot = "/run/aotsb-clistrict",
                CgroupParent = "aotsb-clistrict",
                NetnsPrefix = "clis-",
                UidBase = 620064,
                UidCount = 8,
            }),
        });
        await StrictServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await StrictServer.DisposeAsync();
        Directory.Delete(StateHome, recursive: true);
        Directory.Delete(WorkDirectory, recursive: true);
    }

    /// <summary>The environment pointing the CLI at the fixture's emulator.</summary>
    public Dictionary<string, string?> OwEnvironment() => OwEnvironment(Server);

    /// <summary>The environment pointing the CLI at <paramref name="server"/>.</summary>
    internal Dictionary<string, string?> OwEnvironment(EmulatorServer server) => new()
    {
        ["__OW_API_HOST"] = server.ApiHost,
        ["__OW_NAMESPACE"] = server.Namespace,
        ["__OW_API_KEY"] = server.ApiKey,
        ["XDG_STATE_HOME"] = StateHome,
        ["NO_COLOR"] = "1",
    };

    /// <summary>Runs `aotsandbox args...` against the fixture's emulator.</summary>
    internal Task<CliRun> RunAsync(params string[] args) => RunAsync(args, stdin: null);

    internal Task<CliRun> RunAsync(string[] args, byte[]? stdin, TimeSpan? timeout = null, IDictionary<string, string?>? environment = null) =>
        CliProcess.RunAsync(Binary, args, environment ?? OwEnvironment(), stdin, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Creates a sandbox with the CLI and returns its id.</summary>
    internal async Task<string> CreateSandboxAsync(params string[] extra)
    {
        CliRun run = await RunAsync(["create", "--size", "Small", .. extra], null);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Stdout.Trim();
    }

    private async Task PublishAsync()
    {
        string root = RepositoryRoot();
        string output = Path.Combine(AppContext.BaseDirectory, "cli-publish");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (string arg in new[] { "publish", Path.Combine(root, "src", "AotSandbox.Cli"), "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo" })
        {
            info.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish of the CLI took more than 15 minutes (killed)");
        }

        PublishTime = clock.Elapsed;
        string log = await stdout + "\n" + await stderr;
        PublishLog = log.Split('\n');
        Binary = Path.Combine(output, "aotsandbox");
        if (process.ExitCode != 0 || !File.Exists(Binary))
        {
            throw new InvalidOperationException($"dotnet publish of the CLI failed (exit {process.ExitCode}):\n{log}");
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "src", "AotSandbox.Cli", "AotSandbox.Cli.csproj")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (src/AotSandbox.Cli) above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliFixture>
{
    public const string Name = "published aotsandbox CLI";
}
