namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>Where an image build is: a phase for people and a percentage for the bar.</summary>
internal readonly record struct ImageProgress(string Phase, int Percent);

/// <summary>
/// Turns mmdebstrap's informational lines ("I: downloading packages with apt...") into progress. mmdebstrap prints
/// no percentage when its output is not a terminal, so each known phase maps to how far a typical build is when it
/// starts (measured: download and unpack dominate). A pure function of the line, so it is tested on captured output.
/// </summary>
internal static class MmdebstrapProgress
{
    private static readonly (string Marker, string Phase, int Percent)[] Phases =
    [
        ("running apt-get update", "fetching package lists", 3),
        ("downloading packages", "downloading packages", 10),
        ("extracting archives", "unpacking", 40),
        ("installing essential packages", "installing essential packages", 50),
        ("installing remaining packages", "installing packages", 60),
        ("running --customize-hook", "cleaning up", 88),
        ("cleaning package lists", "cleaning up", 90),
        ("success in", "built", 92),
    ];

    /// <summary>The progress a line announces, or null for lines that announce no phase.</summary>
    public static ImageProgress? Parse(ReadOnlySpan<char> line)
    {
        if (!line.StartsWith("I: ", StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var (marker, phase, percent) in Phases)
        {
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return new ImageProgress(phase, percent);
            }
        }

        return null;
    }
}
