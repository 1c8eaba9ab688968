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
        string exe = await BuildForValgrindAsync();
        Dictionary<string, string> env = emulator.Environment();
        env["LD_LIBRARY_PATH"] = Path.GetDirectoryName(exe)!; // the linker's RUNPATH yields to it: point it at the copy
        ProcessResult run = await NativeProcess.RunAsync(
            "valgrind",
            ["--leak-check=full", "--errors-for-leak-kinds=definite", "--error-exitcode=1", "--suppressions=" + Path.Combine(NativeBuild.RepoRoot, "native", "c", "valgrind.supp"), exe],
            NativeBuild.RepoRoot,
            TimeSpan.FromMinutes(4),
            env);
        Console.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, "valgrind run failed:\n" + run.Output);
        Assert.Contains("C WALKTHROUGH OK", run.Output, StringComparison.Ordinal);
        Assert.Contains("valgrind/libaotsandbox.so", run.Output, StringComparison.Ordinal); // the symbol-bearing copy ran
        Match lost = DefinitelyLost().Match(run.Output);
        Assert.True(!lost.Success || lost.Groups[1].Value == "0", "definitely lost: " + lost.Value);
    }

    internal static async Task<string> BuildAsync()
    {
        string so = await NativeBuild.LibraryAsync();
        return await CompileAsync(NativeBuild.LibDir, Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "c"), so);
    }

    /// <summary>
    /// valgrind 3.19 cannot read the DWARF 5 of the published .dbg, and without symbols a suppression cannot name the
    /// runtime's frames. So memcheck gets a copy of the .so whose debug link points at a symbols-only file (the .dbg
    /// with its DWARF stripped); the code is byte-for-byte the published one.
    /// </summary>
    private static async Task<string> BuildForValgrindAsync()
    {
        string so = await NativeBuild.LibraryAsync();
        string dir = Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "valgrind");
        string dbg = Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "dbg", "libaotsandbox.so.dbg");
        Directory.CreateDirectory(dir);
        string copy = Path.Combine(dir, "libaotsandbox.so");
        await BuildOnce.WaitAsync();
        try
        {
            if (!File.Exists(copy) || File.GetLastWriteTimeUtc(copy) < File.GetLastWriteTimeUtc(so))
            {
                string sym = Path.Combine(dir, "libaotsandbox.so.sym");
                await Tool("objcopy", ["--strip-debug", dbg, sym], dir);
                await Tool("objcopy", ["--remove-section=.gnu_debuglink", "--add-gnu-debuglink=libaotsandbox.so.sym", so, copy], dir);
            }
        }
        finally
        {
            BuildOnce.Release();
        }

        return await CompileAsync(dir, dir, copy);
    }

    private static async Task Tool(string file, string[] args, string dir)
    {
        ProcessResult result = await NativeProcess.RunAsync(file, args, dir, TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, file + " failed:\n" + result.Output);
    }

    private static async Task<string> CompileAsync(string libDir, string outDir, string so)
    {
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
                 "-L", libDir, "-laotsandbox", "-Wl,-rpath," + libDir, "-lpthread"],
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
