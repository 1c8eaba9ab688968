using System.Globalization;
using System.Text.Json;
using AotSandbox.IntegrationTests.Sdk;

namespace AotSandbox.IntegrationTests.Packaging;

/// <summary>
/// A scratch folder OUTSIDE the repository (so no Directory.Build.props, nuget.config or project of ours can leak
/// into what a user would get) holding a local folder feed, and a package version unique to this run: nothing but
/// this run's feed has it, so a restore that succeeds took it from there (checked against the global cache's record
/// of the source), and a stale copy in the machine's NuGet cache can never stand in for what was just packed.
/// </summary>
internal sealed class PackageWorkspace : IDisposable
{
    private readonly List<string> _cachedPackages = [];

    public PackageWorkspace(string purpose)
    {
        Root = Path.Combine(Path.GetTempPath(), $"aotsb-{purpose}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Assert.False(Root.StartsWith(RepositoryRoot, StringComparison.Ordinal), "the workspace must be outside the repository");
        Feed = Path.Combine(Root, "feed");
        Directory.CreateDirectory(Feed);
        Version = string.Create(CultureInfo.InvariantCulture, $"0.1.0-pkgtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");
        // Inherits the machine's package sources (where the ILCompiler and runtime packs come from, already in its
        // cache) and adds the local feed. The unique version exists in that feed only.
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="aotsandbox-local-feed" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
    }

    public static string RepositoryRoot { get; } = ProcessRunner.RepositoryRoot();

    public string Root { get; }

    public string Feed { get; }

    public string Version { get; }

    public static string GlobalPackagesFolder { get; } = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>`dotnet ...` in <paramref name="directory"/>, failing the test with the whole output on a non-zero exit.</summary>
    public static async Task<string> DotnetAsync(string directory, TimeSpan limit, params string[] args)
    {
        ProcessRunner.Result run = await ProcessRunner.RunAsync("dotnet", args, limit, new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" }, directory);
        string log = run.Stdout + run.Stderr;
        Assert.True(run.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed (exit {run.ExitCode}):\n{log}");
        return log;
    }

    /// <summary>Asserts that <paramref name="id"/> at this run's version was restored from this run's feed, and forgets it on dispose.</summary>
    public void AssertRestoredFromFeed(string id)
    {
        string cached = Path.Combine(GlobalPackagesFolder, id.ToLowerInvariant(), Version);
        _cachedPackages.Add(cached);
        string metadata = Path.Combine(cached, ".nupkg.metadata");
        Assert.True(File.Exists(metadata), $"{id} {Version} is not in the NuGet cache ({metadata})");
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(metadata));
        Assert.Equal(Feed, json.RootElement.GetProperty("source").GetString()?.TrimEnd('/'));
    }

    /// <summary>Lines of a build log that are warnings (IL trim/AOT analysis, compiler, NuGet, SDK).</summary>
    public static string[] Warnings(string log) => log.Split('\n')
        .Where(line => line.Contains(": warning ", StringComparison.Ordinal) || line.Contains("warning IL", StringComparison.Ordinal))
        .Select(line => line.Trim())
        .Distinct(StringComparer.Ordinal)
        .ToArray();

    public void Dispose()
    {
        // This run's unique versions would otherwise pile up in the machine's cache; nothing else uses them.
        foreach (string cached in _cachedPackages.Where(Directory.Exists))
        {
            Directory.Delete(cached, recursive: true);
        }

        Directory.Delete(Root, recursive: true);
    }
}
