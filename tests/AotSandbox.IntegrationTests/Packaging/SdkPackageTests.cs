using System.IO.Compression;
using System.Reflection.Metadata;
using System.Xml.Linq;
using AotSandbox.IntegrationTests.Sdk;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Packaging;

/// <summary>
/// The SDK as users get it: `dotnet pack` into a local feed, a fresh console project outside the repository that
/// references the package from that feed, published with PublishAot (zero warnings), run against the emulator.
/// </summary>
[Collection(SdkEmulatorCollection.Name)]
public sealed class SdkPackageTests(SdkEmulatorFixture emulator, ITestOutputHelper output)
{
    private const string ConsumerProgram = """
        using AotSandbox;

        // Credentials from __OW_API_HOST, __OW_NAMESPACE, __OW_API_KEY, as in the package README.
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = "package-consumer", Size = SandboxSize.Small });
        Console.WriteLine($"created {sandbox.Id}");
        try
        {
            ExecResult result = await sandbox.Exec("echo consumed-from-package; python --version", new ExecOptions { Timeout = TimeSpan.FromSeconds(30) });
            Console.WriteLine($"exec exit {result.ExitCode}: {result.Stdout.Trim().Replace('\n', ' ')}");
        }
        finally
        {
            SandboxDestroyResult destroyed = await sandbox.DestroyAsync();
            Console.WriteLine($"destroy: {destroyed.Status}");
        }
        """;

    [Fact]
    public async Task Package_HasMetadataAndSymbols_AndAFreshAotAppFromALocalFeedRunsAgainstTheEmulator()
    {
        using var workspace = new PackageWorkspace("sdkpkg");
        string root = PackageWorkspace.RepositoryRoot;

        // --no-build: the package of the SDK this test run built (Release, deterministic), under this run's version;
        // rebuilding here would race the other fixtures' publishes of the same project.
        await PackageWorkspace.DotnetAsync(root, TimeSpan.FromMinutes(3),
            "pack", Path.Combine(root, "src", "AotSandbox", "AotSandbox.csproj"), "-c", "Release", "--no-build", "-o", workspace.Feed, "-p:Version=" + workspace.Version);
        string nupkg = Path.Combine(workspace.Feed, $"AotSandbox.{workspace.Version}.nupkg");
        string snupkg = Path.ChangeExtension(nupkg, ".snupkg");
        Assert.True(File.Exists(nupkg), "no " + nupkg);
        Assert.True(File.Exists(snupkg), "no symbols package " + snupkg);
        await AssertMetadataAsync(nupkg, snupkg, root);

        string app = Path.Combine(workspace.Root, "consumer");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <PublishAot>true</PublishAot>
                <InvariantGlobalization>true</InvariantGlobalization>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AotSandbox" Version="{workspace.Version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ConsumerProgram);

        string log = await PackageWorkspace.DotnetAsync(app, TimeSpan.FromMinutes(10), "publish", "-c", "Release", "-r", "linux-x64", "-o", Path.Combine(app, "out"));
        workspace.AssertRestoredFromFeed("AotSandbox");
        string[] warnings = PackageWorkspace.Warnings(log);
        Assert.True(warnings.Length == 0, "the consumer's AOT publish warned:\n" + string.Join('\n', warnings));

        ProcessRunner.Result run = await ProcessRunner.RunAsync(Path.Combine(app, "out", "Consumer"), [], TimeSpan.FromMinutes(2), new Dictionary<string, string>
        {
            ["__OW_API_HOST"] = emulator.Server.ApiHost,
            ["__OW_NAMESPACE"] = emulator.Server.Namespace,
            ["__OW_API_KEY"] = emulator.Server.ApiKey,
        });
        output.WriteLine(run.Stdout + run.Stderr);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("exec exit 0: consumed-from-package Python 3.", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("destroy: destroyed", run.Stdout, StringComparison.Ordinal);
        string id = run.Stdout.Split('\n')[0]["created ".Length..].Trim();
        Sandbox after = await Sandbox.GetAsync(id, emulator.Connection());
        Assert.Equal("destroyed", after.Status);
    }

    private async Task AssertMetadataAsync(string nupkg, string snupkg, string root)
    {
        using ZipArchive package = ZipFile.OpenRead(nupkg);
        XElement metadata = XDocument.Load(package.GetEntry("AotSandbox.nuspec")!.Open()).Root!.Elements().First(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
        XElement? Element(string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name);
        output.WriteLine(metadata.ToString());

        Assert.Equal("MIT", Field("license"));
        Assert.Equal("expression", Element("license")?.Attribute("type")?.Value);
        Assert.Contains("sandbox", Field("tags"), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(Field("releaseNotes")), "no release notes");
        Assert.False(string.IsNullOrWhiteSpace(Field("description")), "no description");
        Assert.Equal("README.md", Field("readme"));
        string readme = new StreamReader(package.GetEntry("README.md")!.Open()).ReadToEnd();
        Assert.Contains("Sandbox.CreateAsync", readme, StringComparison.Ordinal);
        Assert.NotNull(package.GetEntry("lib/net10.0/AotSandbox.dll"));
        Assert.NotNull(package.GetEntry("lib/net10.0/AotSandbox.xml"));

        // SourceLink: the commit always; the URL whenever the clone has a URL remote (a clone of a local path has none).
        XElement repository = Element("repository") ?? throw new Xunit.Sdk.XunitException("no <repository> (SourceLink)");
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.Equal((await GitAsync(root, false, "rev-parse", "HEAD")).Trim(), repository.Attribute("commit")?.Value);
        string origin = (await GitAsync(root, true, "remote", "get-url", "origin")).Trim();
        if (origin.StartsWith("https://", StringComparison.Ordinal))
        {
            Assert.Equal(origin, repository.Attribute("url")?.Value);
        }

        // Deterministic, path-mapped symbols: the PDB names /_/..., never this machine's checkout.
        using ZipArchive symbols = ZipFile.OpenRead(snupkg);
        ZipArchiveEntry pdb = symbols.GetEntry("lib/net10.0/AotSandbox.pdb") ?? throw new Xunit.Sdk.XunitException("no PDB in the .snupkg");
        using var buffer = new MemoryStream();
        await pdb.Open().CopyToAsync(buffer);
        buffer.Position = 0;
        using MetadataReaderProvider pdbProvider = MetadataReaderProvider.FromPortablePdbStream(buffer);
        MetadataReader reader = pdbProvider.GetMetadataReader();
        string[] documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToArray();
        Assert.Contains("/_/src/AotSandbox/Sandbox.cs", documents);
        Assert.All(documents, d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
    }

    private static async Task<string> GitAsync(string root, bool allowFailure, params string[] args)
    {
        ProcessRunner.Result git = await ProcessRunner.RunAsync("git", args, TimeSpan.FromSeconds(30), workingDirectory: root);
        Assert.True(allowFailure || git.ExitCode == 0, "git failed: " + git.Stderr);
        return git.ExitCode == 0 ? git.Stdout : "";
    }
}
