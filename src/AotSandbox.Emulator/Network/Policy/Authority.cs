using System.Globalization;

namespace AotSandbox.Emulator.Network;

/// <summary>Splits an HTTP authority (<c>host[:port]</c>, <c>[v6][:port]</c>) strictly: no userinfo, one port at most.</summary>
internal static class Authority
{
    /// <summary>Returns the canonical host and the port (null when absent), or null with a reason.</summary>
    public static string? TryParse(ReadOnlySpan<char> authority, out int? port, out string? error)
    {
        port = null;
        error = null;
        if (authority.Contains('@')) { error = "userinfo in authority"; return null; }
        ReadOnlySpan<char> host = authority;
        ReadOnlySpan<char> portText = default;
        if (authority.StartsWith("["))
        {
            int close = authority.IndexOf(']');
            if (close < 0) { error = "unterminated IPv6 literal"; return null; }
            host = authority[..(close + 1)];
            ReadOnlySpan<char> rest = authority[(close + 1)..];
            if (!rest.IsEmpty)
            {
                if (rest[0] != ':') { error = "junk after IPv6 literal"; return null; }
                portText = rest[1..];
                if (portText.IsEmpty) { error = "empty port"; return null; }
            }
        }
        else
        {
            int colon = authority.IndexOf(':');
            if (colon >= 0)
            {
                host = authority[..colon];
                portText = authority[(colon + 1)..];
                if (portText.IsEmpty) { error = "empty port"; return null; }
            }
        }
        if (!portText.IsEmpty)
        {
            foreach (char c in portText)
            {
                if (c is < '0' or > '9') { error = "port is not a number"; return null; }
            }

            if (portText.Length > 5 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
            {
                error = "port out of range";
                return null;
            }
            port = p;
        }
        return HostName.Canonicalize(host, out error);
    }
}
