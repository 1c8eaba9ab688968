using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// Proves the SDK is Native-AOT and trim clean: publishes the samples app (which roots the whole SDK assembly) with
/// PublishAot, fails on any IL/AOT warning, then runs every sample from the native binary against the emulator.
/// </summary>
[Collection(SdkEmulatorCollection.Name)]
public sealed class NativeAotPublishTests(SdkEmulatorFixture emulator, ITestOutputHelper output)
{
    [Fact]
    public async Task SamplesApp_PublishedWithNativeAot_HasNoWarningsAndRunsEverySample()
    {
        string root = ProcessRunner.RepositoryRoot();
        string outDir = Path.Combine(AppContext.BaseDirectory, "aot-samples");
        ProcessRunner.Result publish = await ProcessRunner.RunAsync(
            "dotnet",
            ["publish", Path.Combine(root, "src", "AotSandbox.Samples", "AotSandbox.Samples.csproj"), "-c", "Release", "-r", "linux-x64", "-o", outDir, "-p:TreatWarningsAsErrors=false", "-nologo"],
            TimeSpan.FromMinutes(8));
        Assert.True(publish.ExitCode == 0, publish.Stdout + publish.Stderr);
        string[] warnings = (publish.Stdout + publish.Stderr).Split('\n')
            .Where(line => line.Contains("warning IL", StringComparison.Ordinal) || line.Contains("warning CS", StringComparison.Ordinal))
            .ToArray();
        Assert.True(warnings.Length == 0, "AOT/trim warnings:\n" + string.Join('\n', warnings));

        string binary = Path.Combine(outDir, "aotsandbox-samples");
        output.WriteLine($"native samples binary: {new FileInfo(binary).Length / 1024} KiB");
        ProcessRunner.Result run = await ProcessRunner.RunAsync(
            binary,
            ["all"],
            TimeSpan.FromMinutes(2),
            new Dictionary<string, string>
            {
                ["__OW_API_HOST"] = emulator.Server.ApiHost,
                ["__OW_NAMESPACE"] = emulator.Server.Namespace,
                ["__OW_API_KEY"] = emulator.Server.ApiKey,
            });
        output.WriteLine(run.Stdout);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("stdout: Python 3.", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("hello from sandbox script v", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("binary round trip: True", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("re-attached output: serving", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("terminal: answer 42 True, size 30x100 True, exit code 3", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("all samples passed", run.Stdout, StringComparison.Ordinal);
    }
}
