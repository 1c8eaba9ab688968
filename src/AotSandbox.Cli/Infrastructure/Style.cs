namespace AotSandbox.Cli;

/// <summary>
/// ANSI colour for humans: only when the stream is a terminal, never with <c>NO_COLOR</c> (https://no-color.org) or
/// <c>TERM=dumb</c>, so pipes and scripts always get plain text.
/// </summary>
internal static class Style
{
    private static readonly bool s_colourOut = Wanted(Console.IsOutputRedirected);
    private static readonly bool s_colourErr = Wanted(Console.IsErrorRedirected);

    /// <summary>Whether stdout is a terminal (progress lines and tables are for humans only).</summary>
    public static bool StdoutIsTerminal => !Console.IsOutputRedirected;

    /// <summary>Whether stderr is a terminal.</summary>
    public static bool StderrIsTerminal => !Console.IsErrorRedirected;

    public static string Error(string text) => Paint(s_colourErr, "31", text);

    public static string Dim(string text) => Paint(s_colourOut, "2", text);

    public static string DimErr(string text) => Paint(s_colourErr, "2", text);

    public static string Bold(string text) => Paint(s_colourOut, "1", text);

    public static string Good(string text) => Paint(s_colourOut, "32", text);

    public static string Bad(string text) => Paint(s_colourOut, "31", text);

    public static string Accent(string text) => Paint(s_colourOut, "36", text);

    private static string Paint(bool enabled, string code, string text) => enabled ? $"\u001b[{code}m{text}\u001b[0m" : text;

    private static bool Wanted(bool redirected) =>
        !redirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
}
