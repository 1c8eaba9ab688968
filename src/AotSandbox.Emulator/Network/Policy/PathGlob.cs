namespace AotSandbox.Emulator.Network;

/// <summary>
/// A path pattern over '/'-separated segments: <c>*</c> matches exactly one segment, <c>**</c> any number of
/// segments including none (so <c>/repos/**</c> matches <c>/repos</c>, <c>/repos/</c> and <c>/repos/a/b</c>).
/// Other segments match literally and case-sensitively. Paths given to <see cref="Matches"/> must already have
/// passed <see cref="HttpPathPolicy"/> (no query, no dot segments, no encoded slashes).
/// </summary>
internal sealed class PathGlob
{
    private readonly string[] _segments;

    private PathGlob(string text, string[] segments)
    {
        Text = text;
        _segments = segments;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>Parses a pattern; it must start with '/' and be at most 1024 characters.</summary>
    public static PathGlob? TryParse(string text, out string? error)
    {
        error = null;
        if (text.Length is 0 or > 1024 || text[0] != '/') { error = "pathPattern must start with '/' (at most 1024 characters)"; return null; }
        foreach (char c in text)
        {
            if (c <= ' ' || c >= 0x7f || c is '?' or '#' or '\\') { error = "pathPattern contains a character that cannot be matched"; return null; }
        }
        string[] segments = text[1..].Split('/');
        foreach (string s in segments)
        {
            if (s.Contains('*', StringComparison.Ordinal) && s is not "*" and not "**") { error = "'*' must be a whole segment ('*' or '**')"; return null; }
        }
        return new PathGlob(text, segments);
    }

    /// <summary>Matches a path (no query).</summary>
    public bool Matches(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }

        string[] parts = path[1..].Split('/');
        return Match(_segments, 0, parts, 0);
    }

    private static bool Match(string[] pattern, int pi, string[] parts, int si)
    {
        while (pi < pattern.Length)
        {
            string p = pattern[pi];
            if (p == "**")
            {
                if (pi == pattern.Length - 1)
                {
                    return true;
                }

                for (int k = si; k <= parts.Length; k++)
                {
                    if (Match(pattern, pi + 1, parts, k))
                    {
                        return true;
                    }
                }
                return false;
            }
            if (si >= parts.Length)
            {
                return false;
            }

            if (p == "*")
            {
                if (parts[si].Length == 0)
                {
                    return false;
                }
            }
            else if (!string.Equals(p, parts[si], StringComparison.Ordinal))
            {
                return false;
            }

            pi++;
            si++;
        }
        return si == parts.Length;
    }
}
