using System.Text.RegularExpressions;

namespace AotSandbox.IntegrationTests.Native;

/// <summary>native/c/walkthrough.c compiled against the header and the published .so, run against real sandboxes.</summary>
[Collection(NativeEmulatorCollection.Name)]
public sealed partial class CWalkthroughTests(NativeEmulatorFixture emulator)
{
    private static readonly SemaphoreSlim BuildOnce = new(1, 1);

    [Fact]
    public async Task Walkthrough_RunsAgainstEmulator()
    {
        string exe = await BuildAsync();
        ProcessResult run = await NativeProcess.RunAsync(exe, [], NativeBuild.RepoRoot, TimeSpan.FromMinutes(2), emulator.Environment());
        Console.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, "walkthrough failed:\n" + run.Output);
        Assert.Contains("C WALKTHROUGH OK", run.Output, StringComparison.Ordinal);
        ReportMetrics(run.Output);
    }

    /// <summary>
    /// The same program under memcheck: no invalid reads/writes, and nothing "definitely lost". The suppression file
    /// covers only the .NET runtime's own process-lifetime allocations (see native/c/valgrind.supp for why).
    /// </summary>
    [Fact]
    public async Task Walkthrough_UnderValgrind_HasNoErrorsAndNoDefiniteLeaks()
    {
        string exe = await BuildAsync();
        ProcessResult run = await NativeProcess.RunAsync(
            "valgrind",
            ["--leak-check=full", "--errors-for-leak-kinds=definite", "--error-exitcode=1", "--suppressions=" + Path.Combine(NativeBuild.RepoRoot, "native", "c", "valgrind.supp"), exe],
            NativeBuild.RepoRoot,
            TimeSpan.FromMinutes(4),
            emulator.Environment());
        Console.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, "valgrind run failed:\n" + run.Output);
        Assert.Contains("C WALKTHROUGH OK", run.Output, StringComparison.Ordinal);
        Match lost = DefinitelyLost().Match(run.Output);
        Assert.True(!lost.Success || lost.Groups[1].Value == "0", "definitely lost: " + lost.Value);
    }

    internal static async Task<string> BuildAsync()
    {
        string so = await NativeBuild.LibraryAsync();
        string outDir = Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "c");
        string exe = Path.Combine(outDir, "walkthrough");
        await BuildOnce.WaitAsync();
        try
        {
            Directory.CreateDirectory(outDir);
            string source = Path.Combine(NativeBuild.RepoRoot, "native", "c", "walkthrough.c");
            if (File.Exists(exe) && File.GetLastWriteTimeUtc(exe) > Newest(source, NativeBuild.Header, so))
            {
                return exe;
            }

            ProcessResult cc = await NativeProcess.RunAsync(
                "cc",
                ["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1", "-I", NativeBuild.IncludeDir, source, "-o", exe,
                 "-L", NativeBuild.LibDir, "-laotsandbox", "-Wl,-rpath," + NativeBuild.LibDir, "-lpthread"],
                NativeBuild.RepoRoot,
                TimeSpan.FromMinutes(1));
            Assert.True(cc.ExitCode == 0, "cc failed:\n" + cc.Output);
            return exe;
        }
        finally
        {
            BuildOnce.Release();
        }
    }

    private static DateTime Newest(params string[] files) => files.Max(File.GetLastWriteTimeUtc);

    private static void ReportMetrics(string output)
    {
        foreach (Match m in Metric().Matches(output))
        {
            Console.WriteLine("[native metric] " + m.Value);
        }
    }

    [GeneratedRegex(@"definitely lost: ([\d,]+) bytes")]
    private static partial Regex DefinitelyLost();

    [GeneratedRegex(@"METRIC \S+")]
    private static partial Regex Metric();
}
