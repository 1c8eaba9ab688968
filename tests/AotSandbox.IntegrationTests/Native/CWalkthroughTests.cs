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

    /// <summary>
    /// Builds the walkthrough the way a C user builds against an installed library: flags from pkg-config (the prefix
    /// native/install.sh laid out), an rpath to its libdir since that prefix is not a system one. The program then
    /// records the soname (libaotsandbox.so.ABI), not the file name it was linked through.
    /// </summary>
    internal static async Task<string> BuildAsync()
    {
        await NativeInstall.PrefixAsync();
        string outDir = Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "c");
        Directory.CreateDirectory(outDir);
        string exe = Path.Combine(outDir, "walkthrough");
        var env = new Dictionary<string, string>
        {
            ["PKG_CONFIG_PATH"] = NativeInstall.PkgConfigPath,
            ["SRC"] = Path.Combine(NativeBuild.RepoRoot, "native", "c", "walkthrough.c"),
            ["EXE"] = exe,
        };
        RequiredTool.Ensure("cc");
        RequiredTool.Ensure("pkg-config");
        ProcessResult cc = await NativeProcess.RunAsync(
            "sh",
            ["-c", "cc -std=c11 -Wall -Wextra -Werror -g -O1 \"$SRC\" -o \"$EXE\" $(pkg-config --cflags --libs aotsandbox) -Wl,-rpath,$(pkg-config --variable=libdir aotsandbox)"],
            NativeBuild.RepoRoot,
            TimeSpan.FromMinutes(1),
            env);
        Assert.True(cc.ExitCode == 0, "cc with pkg-config flags failed:\n" + cc.Output);
        ProcessResult needed = await NativeProcess.RunAsync("readelf", ["-d", exe], NativeBuild.RepoRoot, TimeSpan.FromSeconds(30));
        Assert.Contains("Shared library: [libaotsandbox.so.", needed.Output, StringComparison.Ordinal);
        Assert.Contains($"[{NativeInstall.Prefix}/lib]", needed.Output, StringComparison.Ordinal); // RUNPATH from pkg-config's libdir
        return exe;
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

            // The program records the library's soname (libaotsandbox.so.ABI): point that name at the copy too.
            string soname = Directory.EnumerateFiles(NativeBuild.LibDir).Select(Path.GetFileName).Single(name => SonameLink().IsMatch(name!))!;
            File.Delete(Path.Combine(dir, soname));
            File.CreateSymbolicLink(Path.Combine(dir, soname), "libaotsandbox.so");
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

    [GeneratedRegex(@"^libaotsandbox\.so\.\d+$")]
    private static partial Regex SonameLink();

    [GeneratedRegex(@"definitely lost: ([\d,]+) bytes")]
    private static partial Regex DefinitelyLost();

    [GeneratedRegex(@"METRIC \S+")]
    private static partial Regex Metric();
}
