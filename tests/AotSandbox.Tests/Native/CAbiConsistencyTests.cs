using AotSandbox.Tests.Repository;

namespace AotSandbox.Tests.Native;

/// <summary>
/// native/include/aotsandbox.h is the single source of truth of the C ABI. The C# exports (native/AotSandbox.Native),
/// the Rust raw bindings (native/rust/aotsandbox-sys) and the Go package (native/go/aotsandbox) copy parts of it by
/// hand; these tests read all four and fail on any constant, export signature or struct layout that drifted.
/// (Which symbols the built library exports is checked against the header by IntegrationTests' HeaderExportsTests.)
/// </summary>
public sealed class CAbiConsistencyTests
{
    private static readonly string s_header = Read("native", "include", "aotsandbox.h");
    private static readonly string s_rust = Read("native", "rust", "aotsandbox-sys", "src", "lib.rs");
    private static readonly string s_go = Read("native", "go", "aotsandbox", "aotsandbox.go");
    private static readonly Dictionary<string, long> s_constants = CAbiModel.HeaderConstants(s_header);

    [Fact]
    public void Header_IsParsed()
    {
        // Guards the parsers themselves: a regex that matches nothing would make every comparison below vacuous.
        Assert.Equal(0, s_constants["AOTSB_OK"]);
        Assert.Equal(15, s_constants["AOTSB_ERR_INTERNAL"]);
        Assert.Equal(1, s_constants["AOTSB_ABI_VERSION"]);
        Assert.Equal(3, s_constants["AOTSB_SIZE_XLARGE"]);
        Assert.Equal(1, s_constants["AOTSB_STDERR"]);
        Dictionary<string, CAbiModel.Function> functions = CAbiModel.HeaderFunctions(s_header);
        Assert.Equal(67, functions.Count);
        Assert.Equal(
            "int aotsb_exec(nint, byte*, nuint, byte*, nuint, nint, nint, nint, uint, nint*, nint*)",
            functions["aotsb_exec"].ToString());
        Assert.DoesNotContain(functions.Values, f => f.ToString().Contains('?', StringComparison.Ordinal));
    }

    [Fact]
    public void StatusCodes_CSharpEnumAndStatusStrings_MatchTheHeader()
    {
        string statusSource = Read("native", "AotSandbox.Native", "Interop", "Status.cs");
        Dictionary<string, long> csharp = System.Text.RegularExpressions.Regex.Matches(statusSource, @"^\s*(\w+) = (\d+),", System.Text.RegularExpressions.RegexOptions.Multiline)
            .ToDictionary(m => CAbiModel.Key(m.Groups[1].Value), m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Dictionary<string, long> header = Statuses();
        Assert.Equal(header.OrderBy(p => p.Key), csharp.OrderBy(p => p.Key));

        // aotsb_status_string spells each C# enumerator as the header's name with the same value.
        string library = Read("native", "AotSandbox.Native", "Exports", "LibraryExports.cs");
        var spelled = System.Text.RegularExpressions.Regex.Matches(library, @"Status\.(\w+) => Static\(""(AOTSB_\w+)\\0""u8\)").ToList();
        Assert.Equal(header.Count, spelled.Count);
        foreach (System.Text.RegularExpressions.Match m in spelled)
        {
            Assert.True(s_constants.TryGetValue(m.Groups[2].Value, out long value), m.Groups[2].Value + " is not in the header");
            Assert.Equal(value, csharp[CAbiModel.Key(m.Groups[1].Value)]);
        }
    }

    [Fact]
    public void Constants_RustBindings_MatchTheHeader()
    {
        Dictionary<string, long> rust = CAbiModel.RustConstants(s_rust);
        var expected = s_constants.Where(p => p.Key.StartsWith("AOTSB_", StringComparison.Ordinal)).ToDictionary();
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), rust.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Constants_GoPackage_MatchTheHeader()
    {
        // Go declares the statuses callers branch on (a subset), every size and both streams; each must agree.
        Dictionary<string, long> statuses = CAbiModel.GoConstants(s_go, "Status");
        Dictionary<string, long> sizes = CAbiModel.GoConstants(s_go, "Size");
        Dictionary<string, long> streams = CAbiModel.GoConstants(s_go, "Stream");
        Assert.NotEmpty(statuses);
        Dictionary<string, long> headerStatuses = Statuses();
        foreach ((string name, long value) in statuses)
        {
            Assert.True(headerStatuses.TryGetValue(CAbiModel.Key(name), out long expected), $"Go Status {name} has no AOTSB_ERR_/AOTSB_ counterpart in the header");
            Assert.Equal((name, expected), (name, value));
        }

        Assert.Equal(Family("AOTSB_SIZE_").OrderBy(p => p.Key), sizes.ToDictionary(p => CAbiModel.Key(p.Key), p => p.Value).OrderBy(p => p.Key));
        Assert.Equal(
            new Dictionary<string, long> { ["stdout"] = s_constants["AOTSB_STDOUT"], ["stderr"] = s_constants["AOTSB_STDERR"] }.OrderBy(p => p.Key),
            streams.ToDictionary(p => CAbiModel.Key(p.Key), p => p.Value).OrderBy(p => p.Key));
    }

    [Fact]
    public void Constants_CSharpSdkEnumsAndAbiVersion_MatchTheHeader()
    {
        // The native layer casts aotsb_size_t straight to SandboxSize and OutputStream to the callback's stream.
        Dictionary<string, long> sizes = Enum.GetValues<SandboxSize>().ToDictionary(s => CAbiModel.Key(s.ToString()), s => (long)(int)s);
        Assert.Equal(Family("AOTSB_SIZE_").OrderBy(p => p.Key), sizes.OrderBy(p => p.Key));
        Dictionary<string, long> streams = Enum.GetValues<OutputStream>().ToDictionary(s => CAbiModel.Key(s.ToString()), s => (long)(int)s);
        Assert.Equal(
            new Dictionary<string, long> { ["stdout"] = s_constants["AOTSB_STDOUT"], ["stderr"] = s_constants["AOTSB_STDERR"] }.OrderBy(p => p.Key),
            streams.OrderBy(p => p.Key));

        string library = Read("native", "AotSandbox.Native", "Exports", "LibraryExports.cs");
        System.Text.RegularExpressions.Match abi = System.Text.RegularExpressions.Regex.Match(library, @"const uint AbiVersion = (\d+);");
        Assert.True(abi.Success);
        Assert.Equal(s_constants["AOTSB_ABI_VERSION"], long.Parse(abi.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ExportSignatures_CSharp_MatchTheHeaderPrototypes()
    {
        Dictionary<string, CAbiModel.Function> header = CAbiModel.HeaderFunctions(s_header);
        string exports = Path.Combine(RepositoryFiles.Root, "native", "AotSandbox.Native");
        Dictionary<string, CAbiModel.Function> csharp = CAbiModel.CSharpExports(
            Directory.EnumerateFiles(exports, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
                .Select(File.ReadAllText));
        AssertSameSignatures("C# [UnmanagedCallersOnly]", header, csharp);
    }

    [Fact]
    public void FunctionSignatures_Rust_MatchTheHeaderPrototypes()
    {
        AssertSameSignatures("Rust extern \"C\"", CAbiModel.HeaderFunctions(s_header), CAbiModel.RustFunctions(s_rust));
    }

    [Theory]
    [InlineData("aotsb_exit_t", "AbiExit", "aotsb_exit_t")]
    [InlineData("aotsb_file_entry_t", "AbiFileEntry", "aotsb_file_entry_t")]
    public void StructLayouts_CSharpAndRust_MatchTheHeader(string header, string csharp, string rust)
    {
        List<string> expected = CAbiModel.HeaderStructFields(s_header, header);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, CAbiModel.CSharpStructFields(Read("native", "AotSandbox.Native", "Interop", "AbiStructs.cs"), csharp));
        Assert.Equal(expected, CAbiModel.RustStructFields(s_rust, rust));
    }

    private static void AssertSameSignatures(string what, Dictionary<string, CAbiModel.Function> header, Dictionary<string, CAbiModel.Function> binding)
    {
        var problems = new List<string>();
        problems.AddRange(header.Keys.Except(binding.Keys).Select(n => $"{n}: declared in the header, missing from {what}"));
        problems.AddRange(binding.Keys.Except(header.Keys).Select(n => $"{n}: in {what}, not declared in the header"));
        foreach ((string name, CAbiModel.Function declared) in header)
        {
            if (binding.TryGetValue(name, out CAbiModel.Function? actual) && actual.ToString() != declared.ToString())
            {
                problems.Add($"{name}: header {declared}\n    {what} {actual}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    // Status families: AOTSB_OK and AOTSB_ERR_*, keyed like the bindings spell them (e.g. "notfound").
    private static Dictionary<string, long> Statuses() =>
        s_constants.Where(p => p.Key == "AOTSB_OK" || p.Key.StartsWith("AOTSB_ERR_", StringComparison.Ordinal))
            .ToDictionary(p => p.Key == "AOTSB_OK" ? "ok" : CAbiModel.Key(p.Key, "AOTSB_ERR_"), p => p.Value);

    private static Dictionary<string, long> Family(string prefix) =>
        s_constants.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => CAbiModel.Key(p.Key, prefix), p => p.Value);

    private static string Read(params string[] parts) => File.ReadAllText(Path.Combine([RepositoryFiles.Root, .. parts]));
}
