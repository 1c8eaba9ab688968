using AotSandbox.Emulator.Network;

namespace AotSandbox.Tests.Network;

/// <summary>Battery L1, L2: glob semantics and the refuse-don't-normalise path contract.</summary>
public class HttpPathTests
{
    [Theory]
    [InlineData("/repos/**", "/repos/a/b", true)]
    [InlineData("/repos/**", "/repos/a", true)]
    [InlineData("/repos/**", "/repos", true)] // '**' matches zero segments too
    [InlineData("/repos/**", "/repos/", true)]
    [InlineData("/repos/**", "/admin", false)]
    [InlineData("/repos/**", "/reposx", false)]
    [InlineData("/repos/**", "/REPOS/x", false)] // case-sensitive
    [InlineData("/repos/*", "/repos/a", true)]
    [InlineData("/repos/*", "/repos/a/b", false)]
    [InlineData("/repos/*", "/repos/", false)]
    [InlineData("/repos/*/issues", "/repos/x/issues", true)]
    [InlineData("/a/**/z", "/a/z", true)]
    [InlineData("/a/**/z", "/a/b/c/z", true)]
    [InlineData("/a/**/z", "/a/b/c/y", false)]
    public void Glob_Matches(string pattern, string path, bool expected)
    {
        Assert.Equal(expected, PathGlob.TryParse(pattern, out _)!.Matches(path));
    }

    [Theory]
    [InlineData("/repos/../admin")]
    [InlineData("/repos/%2e%2e/admin")]
    [InlineData("/repos/%2E%2E/admin")]
    [InlineData("/repos%2f..%2fadmin")]
    [InlineData("/repos%2Fadmin")]
    [InlineData("//admin")]
    [InlineData("/repos//x")]
    [InlineData("/repos;x/..")]
    [InlineData("/repos/./x")]
    [InlineData("\\repos")]
    [InlineData("/repos\\..\\admin")]
    [InlineData("/repos/%5cadmin")]
    [InlineData("/repos/%00")]
    [InlineData("/repos/x#frag")]
    [InlineData("/repos/%zz")]
    [InlineData("http://denied.test/repos/x")]
    [InlineData("*")]
    public void PathForMatching_Ambiguous_Refused(string target)
    {
        Assert.Null(HttpPathPolicy.PathForMatching(target, out string? reason));
        Assert.NotNull(reason);
    }

    [Theory]
    [InlineData("/repos/a?x=../../admin", "/repos/a")]
    [InlineData("/repos/a%20b", "/repos/a%20b")]
    [InlineData("/", "/")]
    public void PathForMatching_QueryCutOff(string target, string expected)
    {
        Assert.Equal(expected, HttpPathPolicy.PathForMatching(target, out _));
    }
}
