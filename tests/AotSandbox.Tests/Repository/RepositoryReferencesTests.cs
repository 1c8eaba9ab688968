using System.Text.RegularExpressions;

namespace AotSandbox.Tests.Repository;

/// <summary>
/// The repository is self-contained: no tracked file points at a path outside it, and every citation of the protocol
/// and security documents names a section or battery id that exists (docs/PROTOCOL.md, docs/SECURITY-MODEL.md).
/// </summary>
public sealed partial class RepositoryReferencesTests
{
    // System folders that code and tests legitimately name (sandbox paths, canary locations); never treated as "outside".
    private static readonly string[] s_systemFolders = ["/", "/tmp", "/var/tmp", "/root", "/home", "/run", "/srv", "/opt", "/usr", "/var", "/mnt", "/etc", "/proc", "/sys", "/dev"];

    [Fact]
    public void NoTrackedFile_RefersToAPathOutsideTheRepository()
    {
        List<string> needles =
        [
            // Spelled in pieces so that this file does not match itself.
            ".." + "/shared", "shared" + "/spec", "shared" + "/design", "/wo" + "rk/",
            Path.TrimEndingDirectorySeparator(RepositoryFiles.Root) + "/",
        ];
        string? parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(RepositoryFiles.Root));
        if (parent is not null && !s_systemFolders.Contains(parent))
        {
            needles.Add(parent + "/");
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0 && !s_systemFolders.Contains(home))
        {
            needles.Add(home + "/");
        }

        var findings = new List<string>();
        foreach ((string path, string text) in RepositoryFiles.TrackedText)
        {
            foreach (string needle in needles)
            {
                int at = text.IndexOf(needle, StringComparison.Ordinal);
                if (at >= 0)
                {
                    findings.Add($"{path}:{LineOf(text, at)}: \"{needle}\"");
                }
            }

            if (path.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            {
                string folder = Path.GetDirectoryName(Path.Combine(RepositoryFiles.Root, path))!;
                foreach (Match link in MarkdownLink().Matches(text))
                {
                    string target = Path.GetFullPath(Path.Combine(folder, link.Groups[1].Value));
                    if (!IsInside(target))
                    {
                        findings.Add($"{path}:{LineOf(text, link.Index)}: link to {link.Groups[1].Value} leaves the repository");
                    }
                }
            }
        }

        Assert.True(findings.Count == 0, "References to paths outside the repository (write the fact into docs/ instead):\n" + string.Join("\n", findings));
    }

    [Fact]
    public void CitationsOfTheProtocolDocument_NameSectionsThatExist()
    {
        string protocol = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "PROTOCOL.md"));
        var sections = new HashSet<string>(ProtocolHeading().Matches(protocol).Select(m => m.Groups[1].Value));
        Assert.Contains("3.9", sections); // the heading pattern itself works

        var findings = new List<string>();
        foreach ((string path, string text) in RepositoryFiles.TrackedText)
        {
            foreach (Match cite in ProtocolCitation().Matches(text))
            {
                if (!sections.Contains(cite.Groups[1].Value))
                {
                    findings.Add($"{path}:{LineOf(text, cite.Index)}: docs/PROTOCOL.md §{cite.Groups[1].Value} does not exist");
                }
            }

            foreach (Match bare in BarePROTOCOLCitation().Matches(text))
            {
                findings.Add($"{path}:{LineOf(text, bare.Index)}: \"{bare.Value}\" cites no file of this repository; write docs/PROTOCOL.md §x.y");
            }
        }

        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    [Fact]
    public void EveryBatteryIdUsedByATest_HasItsLineInTheSecurityModel()
    {
        string model = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "SECURITY-MODEL.md"));
        var documented = new HashSet<string>(BatteryEntry().Matches(model).Select(m => m.Groups[1].Value));
        Assert.Contains("K10", documented);

        var findings = new List<string>();
        foreach ((string path, string text) in RepositoryFiles.TrackedText)
        {
            if (!path.StartsWith("tests/", StringComparison.Ordinal) || !path.EndsWith(".cs", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match test in BatteryTestName().Matches(text))
            {
                foreach (string id in test.Groups[1].Value.Split('_', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!documented.Contains(id))
                    {
                        findings.Add($"{path}:{LineOf(text, test.Index)}: battery id {id} has no line in docs/SECURITY-MODEL.md §5");
                    }
                }
            }
        }

        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    private static bool IsInside(string fullPath)
    {
        string root = Path.TrimEndingDirectorySeparator(RepositoryFiles.Root);
        return fullPath == root || fullPath.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    // A relative Markdown link target: not a URL, not an anchor.
    [GeneratedRegex(@"\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^)\s#]+)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{2,3} (\d+(?:\.\d+)?)\.? ", RegexOptions.Multiline)]
    private static partial Regex ProtocolHeading();

    [GeneratedRegex(@"docs/PROTOCOL\.md §(\d+(?:\.\d+)?)")]
    private static partial Regex ProtocolCitation();

    // A section sign after a PROTOCOL.md that is not docs/PROTOCOL.md: a citation of some other protocol document.
    [GeneratedRegex(@"(?<!docs/)\bPROTOCOL\.md §")]
    private static partial Regex BarePROTOCOLCitation();

    [GeneratedRegex(@"^- \*\*([KFNDPLIRTS]\d{1,2})\*\* ", RegexOptions.Multiline)]
    private static partial Regex BatteryEntry();

    [GeneratedRegex(@"\bTask ((?:[KFNDPLIRTS]\d{1,2}_)+)")]
    private static partial Regex BatteryTestName();
}
