using System.IO.Compression;
using AotSandbox.IntegrationTests.Cli;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Packaging;

/// <summary>
/// `aotsandbox` as a .NET tool: the top-level package plus the Native AOT linux-x64 package, packed into a local
/// feed, installed with `dotnet tool install --tool-path`, then `--version` and `demo` (its own embedded emulator).
/// The pack builds into its own --artifacts-path under this run's version (the tool's RID pack publishes, and so
/// rebuilds, whatever --no-build says), so it never writes the obj/bin folders that other collections' publishes of
/// the SDK and emulator projects use at the same time. In the CLI collection, after the fixture's publish.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CliToolPackageTests(CliFixture fixture, ITestOutputHelper output)
{
    /// <summary>Instance of the tool's embedded demo emulator: its uid slot (27) is used by no other test's instance.</summary>
    private const string DemoInstance = "tooltest";

    [Fact]
    public async Task Tool_InstalledFromLocalFeed_IsNativeAot_AndVersionAndDemoWork()
    {
        Assert.True(File.Exists(fixture.Binary)); // the fixture's publish ran first
        using var workspace = new PackageWorkspace("clitool");
        string project = Path.Combine(PackageWorkspace.RepositoryRoot, "src", "AotSandbox.Cli", "AotSandbox.Cli.csproj");
        string version = "-p:Version=" + workspace.Version;
        string artifacts = Path.Combine(workspace.Root, "artifacts");
        await PackageWorkspace.DotnetAsync(PackageWorkspace.RepositoryRoot, TimeSpan.FromMinutes(5), "pack", project, "-c", "Release", "--artifacts-path", artifacts, "-o", workspace.Feed, version);
        string log = await PackageWorkspace.DotnetAsync(PackageWorkspace.RepositoryRoot, TimeSpan.FromMinutes(15), "pack", project, "-c", "Release", "-r", "linux-x64", "--artifacts-path", artifacts, "-o", workspace.Feed, version);
        string[] warnings = PackageWorkspace.Warnings(log);
        Assert.True(warnings.Length == 0, "the tool's AOT pack warned:\n" + string.Join('\n', warnings));

        string ridPackage = Path.Combine(workspace.Feed, $"AotSandbox.Cli.linux-x64.{workspace.Version}.nupkg");
        using (ZipArchive rid = ZipFile.OpenRead(ridPackage))
        {
            string[] files = rid.Entries.Where(e => e.FullName.StartsWith("tools/", StringComparison.Ordinal)).Select(e => e.FullName).Order(StringComparer.Ordinal).ToArray();
            output.WriteLine(string.Join('\n', files));
            // A native executable and the sandbox agent; no managed entry assembly, no debug files.
            Assert.Contains(files, f => f.EndsWith("/linux-x64/AotSandbox.Cli", StringComparison.Ordinal));
            Assert.Contains(files, f => f.EndsWith("/linux-x64/aotsandbox-agent", StringComparison.Ordinal));
            Assert.DoesNotContain(files, f => f.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".dbg", StringComparison.Ordinal) || f.EndsWith(".pdb", StringComparison.Ordinal));
        }

        string toolPath = Path.Combine(workspace.Root, "tools");
        await PackageWorkspace.DotnetAsync(workspace.Root, TimeSpan.FromMinutes(3),
            "tool", "install", "AotSandbox.Cli", "--version", workspace.Version, "--tool-path", toolPath, "--add-source", workspace.Feed);
        string command = Path.Combine(toolPath, "aotsandbox");
        Assert.True(File.Exists(command), "dotnet tool install made no `aotsandbox` in " + toolPath);
        string installed = Directory.GetFiles(Path.Combine(toolPath, ".store"), "AotSandbox.Cli", SearchOption.AllDirectories).Single();
        Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(installed)[..4]);

        var environment = new Dictionary<string, string?>
        {
            ["__OW_API_HOST"] = null,
            ["__OW_NAMESPACE"] = null,
            ["__OW_API_KEY"] = null,
            ["NO_COLOR"] = "1",
            ["XDG_STATE_HOME"] = Path.Combine(workspace.Root, "state"),
        };
        CliRun versionRun = await CliProcess.RunAsync(command, ["--version"], environment, null, TimeSpan.FromSeconds(30));
        Assert.True(versionRun.ExitCode == 0, versionRun.ToString());
        Assert.StartsWith(workspace.Version + "+", versionRun.Stdout.Trim(), StringComparison.Ordinal); // version+commit

        CliRun demo = await CliProcess.RunAsync(command, ["demo", "--instance", DemoInstance], environment, null, TimeSpan.FromMinutes(3));
        output.WriteLine(demo.ToString());
        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Contains($"embedded emulator (instance '{DemoInstance}')", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("Demo complete: all 11 steps worked.", demo.Stdout, StringComparison.Ordinal);
    }
}
