using System.Text.RegularExpressions;

namespace AotSandbox.IntegrationTests.Native;

/// <summary>The header is the contract: the .so must export exactly the functions it declares, no more, no fewer.</summary>
public sealed partial class HeaderExportsTests
{
    [Fact]
    public async Task ExportedSymbols_MatchHeaderDeclarations()
    {
        string so = await NativeBuild.LibraryAsync();
        ProcessResult nm = await NativeProcess.RunAsync("nm", ["-D", "--defined-only", so], NativeBuild.RepoRoot, TimeSpan.FromSeconds(30));
        Assert.Equal(0, nm.ExitCode);

        HashSet<string> exported = nm.Output.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length == 3 && parts[1] == "T" && parts[2].StartsWith("aotsb_", StringComparison.Ordinal))
            .Select(parts => parts[2].Split('@')[0])
            .ToHashSet(StringComparer.Ordinal);
        HashSet<string> declared = Declarations().Matches(await File.ReadAllTextAsync(NativeBuild.Header))
            .Select(m => m.Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(declared);
        Assert.True(exported.SetEquals(declared),
            "exported but not declared: " + string.Join(", ", exported.Except(declared)) +
            "; declared but not exported: " + string.Join(", ", declared.Except(exported)));

        // Nothing of the runtime leaks into the dynamic symbol table besides its debugger header.
        string[] others = nm.Output.Split('\n').Where(l => l.Contains(" T ", StringComparison.Ordinal) && !l.Contains(" aotsb_", StringComparison.Ordinal)).ToArray();
        Assert.Empty(others);
    }

    /// <summary>The header is self-contained, warning-free and usable from C and C++ (extern "C" guards).</summary>
    [Theory]
    [InlineData("cc", "c", "-std=c99")]
    [InlineData("c++", "c++", "-std=c++11")]
    public async Task Header_CompilesCleanly(string compiler, string language, string standard)
    {
        string source = Path.Combine(Path.GetTempPath(), $"aotsb-header-{language.Replace('+', 'p')}-{Environment.ProcessId}.src");
        await File.WriteAllTextAsync(source, "#include \"aotsandbox.h\"\nint main(void) { return aotsb_abi_version() == AOTSB_ABI_VERSION ? 0 : 1; }\n");
        try
        {
            ProcessResult result = await NativeProcess.RunAsync(
                compiler,
                ["-x", language, standard, "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only", "-I", NativeBuild.IncludeDir, source],
                NativeBuild.RepoRoot,
                TimeSpan.FromMinutes(1));
            Assert.True(result.ExitCode == 0, compiler + ":\n" + result.Output);
        }
        finally
        {
            File.Delete(source);
        }
    }

    [GeneratedRegex(@"^AOTSB_API\s[^;(]*?\b(aotsb_[a-z0-9_]+)\s*\(", RegexOptions.Multiline)]
    private static partial Regex Declarations();
}
