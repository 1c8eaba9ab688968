namespace AotSandbox.Emulator.Network;

/// <summary>
/// The path contract of L7 rules: refuse, don't normalise. A request target whose path could mean something else
/// to the upstream than to the glob (dot segments, encoded '.', '/' or '\', empty segments, backslashes, fragments)
/// is refused outright; the query string is cut off and never matched. Matching is case-sensitive.
/// </summary>
internal static class HttpPathPolicy
{
    /// <summary>Returns the path to match (without query), or null with the reason for refusing.</summary>
    public static string? PathForMatching(string target, out string? reason)
    {
        reason = null;
        if (target.Length == 0 || target[0] != '/') { reason = "request target is not origin-form"; return null; }
        int q = target.IndexOf('?', StringComparison.Ordinal);
        string path = q >= 0 ? target[..q] : target;
        for (int i = 0; i < path.Length; i++)
        {
            char c = path[i];
            if (c <= ' ' || c >= 0x7f || c is '\\' or '#') { reason = "path contains a forbidden character"; return null; }
            if (c == '%')
            {
                if (i + 2 >= path.Length || !IsHex(path[i + 1]) || !IsHex(path[i + 2])) { reason = "malformed percent-encoding"; return null; }
                char hi = path[i + 1];
                char lo = char.ToLowerInvariant(path[i + 2]);
                bool dangerous = (hi == '2' && lo is 'e' or 'f') || (hi == '5' && lo == 'c') || (hi == '0' && lo == '0');
                if (dangerous) { reason = "encoded '.', '/', '\\' or NUL in path"; return null; }
            }
        }
        string[] segments = path[1..].Split('/');
        for (int i = 0; i < segments.Length; i++)
        {
            string s = segments[i];
            string bare = s.Split(';')[0];
            if (bare is "." or "..") { reason = "dot segment in path"; return null; }
            if (s.Length == 0 && i < segments.Length - 1) { reason = "empty segment ('//') in path"; return null; }
        }
        return path;
    }

    private static bool IsHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');
}
