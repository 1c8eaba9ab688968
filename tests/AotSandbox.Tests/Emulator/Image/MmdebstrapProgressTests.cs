using AotSandbox.Emulator.Runtime.Image;

namespace AotSandbox.Tests.Emulator.Image;

public sealed class MmdebstrapProgressTests
{
    /// <summary>mmdebstrap 1.3.5's stderr for the default recipe (captured), including lines that announce nothing.</summary>
    private static readonly string[] Captured =
    [
        "I: chroot architecture amd64 is equal to the host's architecture",
        "I: finding correct signed-by value...",
        "I: running apt-get update...",
        "I: downloading packages with apt...",
        "I: extracting archives...",
        "I: installing essential packages...",
        "I: installing remaining packages inside the chroot...",
        "I: running --customize-hook in shell: sh -c 'rm -rf ...' exec /var/cache/x",
        "I: cleaning package lists and apt cache...",
        "I: success in 107.9815 seconds",
    ];

    [Fact]
    public void Phases_ComeInOrder_WithRisingPercentages()
    {
        var seen = Captured.Select(l => MmdebstrapProgress.Parse(l)).Where(p => p is not null).Select(p => p!.Value).ToList();
        Assert.Equal(["fetching package lists", "downloading packages", "unpacking", "installing essential packages", "installing packages", "cleaning up", "cleaning up", "built"], seen.Select(p => p.Phase));
        Assert.Equal(seen.Select(p => p.Percent).Order(), seen.Select(p => p.Percent));
        Assert.All(seen, p => Assert.InRange(p.Percent, 1, 99));
    }

    [Theory]
    [InlineData("")]
    [InlineData("W: downloading packages")]
    [InlineData("Get:1 http://deb.debian.org/debian bookworm/main amd64 bash")]
    public void OtherLines_AnnounceNothing(string line) => Assert.Null(MmdebstrapProgress.Parse(line));
}
