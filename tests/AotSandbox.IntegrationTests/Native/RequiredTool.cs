namespace AotSandbox.IntegrationTests.Native;

/// <summary>
/// The external tools the native tests run. A missing one FAILS the test with one line naming what to install (a
/// skipped or silently passing test would let a green run hide that the C, Rust or Go bindings never ran).
/// </summary>
internal static class RequiredTool
{
    private static readonly Dictionary<string, string> HowToGet = new(StringComparer.Ordinal)
    {
        ["cc"] = "apt-get install gcc",
        ["c++"] = "apt-get install g++",
        ["nm"] = "apt-get install binutils",
        ["objcopy"] = "apt-get install binutils",
        ["readelf"] = "apt-get install binutils",
        ["valgrind"] = "apt-get install valgrind",
        ["go"] = "apt-get install golang-go",
        ["pkg-config"] = "apt-get install pkg-config",
        ["cargo"] = "install Rust with rustup, then put ~/.cargo/bin on PATH",
        ["dotnet"] = "install the .NET 10 SDK",
        ["strace"] = "apt-get install strace",
    };

    /// <summary>Fails the calling test unless <paramref name="name"/> (a bare command name) is on PATH.</summary>
    public static void Ensure(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal) || IsOnPath(name))
        {
            return;
        }

        string how = HowToGet.TryGetValue(name, out string? hint) ? hint : "install it";
        Assert.Fail($"`{name}` is not on PATH ({how}). `./test.sh` installs every prerequisite of the suite and runs it.");
    }

    private static bool IsOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, name)));
}
