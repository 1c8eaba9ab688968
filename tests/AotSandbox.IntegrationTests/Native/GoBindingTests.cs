namespace AotSandbox.IntegrationTests.Native;

/// <summary>
/// native/go/aotsandbox: `go test` runs the walkthrough, the signal stress test (SA_ONSTACK fix on) and the
/// measurement of the unfixed mode in a child process; cgo builds against the header and the published .so.
/// </summary>
[Collection(NativeEmulatorCollection.Name)]
public sealed class GoBindingTests(NativeEmulatorFixture emulator)
{
    [Fact]
    public async Task GoTest_WalkthroughAndSignalStressPass()
    {
        Dictionary<string, string> env = emulator.Environment();
        env["GOCACHE"] = Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "go-cache");
        env["GOPATH"] = Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "go-path");
        env["GOPROXY"] = "off";
        env["GOFLAGS"] = "-mod=mod";
        env["CGO_ENABLED"] = "1";
        ProcessResult go = await NativeProcess.RunAsync(
            "go",
            ["test", "-count=1", "-v", "-timeout", "4m", "./..."],
            Path.Combine(NativeBuild.RepoRoot, "native", "go", "aotsandbox"),
            TimeSpan.FromMinutes(5),
            env);
        Console.WriteLine(go.Output);
        Assert.True(go.ExitCode == 0, "go test failed:\n" + go.Output);
        Assert.Contains("GO WALKTHROUGH OK", go.Output, StringComparison.Ordinal);
        Assert.Contains("STRESS fix=true", go.Output, StringComparison.Ordinal);
        Assert.Contains("UNFIXED child", go.Output, StringComparison.Ordinal);

        ProcessResult example = await NativeProcess.RunAsync(
            "go",
            ["run", "./cmd/quickstart"],
            Path.Combine(NativeBuild.RepoRoot, "native", "go", "aotsandbox"),
            TimeSpan.FromMinutes(3),
            env);
        Console.WriteLine(example.Output);
        Assert.True(example.ExitCode == 0, "go run ./cmd/quickstart failed:\n" + example.Output);
        Assert.Contains("Python 3.", example.Output, StringComparison.Ordinal);
        Assert.Contains("exit code 0", example.Output, StringComparison.Ordinal);
    }
}
