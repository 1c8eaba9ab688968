using System.Diagnostics;

namespace AotSandbox.IntegrationTests.Native;

/// <summary>
/// Publishes libaotsandbox.so once per test run (and incrementally across runs: ILC skips when its inputs are unchanged)
/// into artifacts/native/lib, the folder the C, Rust and Go builds link against.
/// </summary>
internal static class NativeBuild
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string LibDir => Path.Combine(RepoRoot, "artifacts", "native", "lib");

    public static string IncludeDir => Path.Combine(RepoRoot, "native", "include");

    public static string Header => Path.Combine(IncludeDir, "aotsandbox.h");

    /// <summary>Full path of the published .so; the first caller pays for the publish.</summary>
    public static Task<string> LibraryAsync() => Published.Value;

    private static async Task<string> PublishAsync()
    {
        var watch = Stopwatch.StartNew();
        ProcessResult publish = await NativeProcess.RunAsync(
            "dotnet",
            ["publish", Path.Combine(RepoRoot, "native", "AotSandbox.Native"), "-c", "Release", "-r", "linux-x64", "-o", LibDir, "--nologo"],
            RepoRoot,
            TimeSpan.FromMinutes(6));
        Assert.True(publish.ExitCode == 0, "dotnet publish failed:\n" + publish.Output);
        string so = Path.Combine(LibDir, "libaotsandbox.so");
        Assert.True(File.Exists(so), "no " + so);

        // The split debug file is DWARF 5 that valgrind 3.19's reader rejects ("Possibly corrupted debuginfo file"),
        // and it is found next to the .so through .gnu_debuglink: keep it, but beside the library folder.
        string dbg = so + ".dbg";
        if (File.Exists(dbg))
        {
            string dbgDir = Path.Combine(RepoRoot, "artifacts", "native", "dbg");
            Directory.CreateDirectory(dbgDir);
            File.Move(dbg, Path.Combine(dbgDir, "libaotsandbox.so.dbg"), overwrite: true);
        }

        Console.WriteLine($"[native] published {so} ({new FileInfo(so).Length:N0} bytes) in {watch.Elapsed.TotalSeconds:F1} s");
        return so;
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AotSandbox.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AotSandbox.sln not found above " + AppContext.BaseDirectory);
    }
}
