using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// The one canonical spelling of a host name or IP literal. Every layer (policy match, DNS, routing, dial, leaf
/// certificate) uses this form, so a name can never mean two things to two parsers.
/// </summary>
internal static class HostName
{
    /// <summary>Longest accepted name (RFC 1035, without the trailing dot).</summary>
    public const int MaxLength = 253;

    /// <summary>Longest accepted label.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>
    /// Canonicalises <paramref name="raw"/>: lower case, one trailing dot dropped, IPv4 in any inet_aton spelling
    /// (127.1, 0x7f.0.0.1, 2130706433, 017700000001) turned into a dotted quad, IPv6 (bracketed or not) into its
    /// compressed form (v4-mapped into IPv4). Refuses control bytes, spaces, non-ASCII (IDNs must be punycode),
    /// empty labels, labels over 63 and names over 253 characters. Returns null with a reason on refusal.
    /// </summary>
    public static string? Canonicalize(ReadOnlySpan<char> raw, out string? error)
    {
        error = null;
        if (raw.IsEmpty) { error = "empty host"; return null; }
        if (raw.Length > MaxLength + 2) { error = "host longer than 253 characters"; return null; }
        foreach (char c in raw)
        {
            if (c <= ' ' || c >= 0x7f) { error = "host contains a control, space or non-ASCII character (use punycode)"; return null; }
        }

        if (raw[0] == '[')
        {
            if (raw[^1] != ']') { error = "unterminated IPv6 literal"; return null; }
            return CanonicalIPv6(raw[1..^1], out error);
        }

        if (raw.Contains(':'))
        {
            return CanonicalIPv6(raw, out error);
        }

        if (raw[^1] == '.')
        {
            raw = raw[..^1];
        }

        if (raw.IsEmpty || raw.Length > MaxLength) { error = "host empty or longer than 253 characters"; return null; }

        string lower = raw.ToString().ToLowerInvariant();
        string[] labels = lower.Split('.');
        foreach (string label in labels)
        {
            if (label.Length == 0) { error = "empty label"; return null; }
            if (label.Length > MaxLabelLength) { error = "label longer than 63 characters"; return null; }
            foreach (char c in label)
            {
                bool ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_';
                if (!ok) { error = "host contains a character outside letters, digits, '-' and '_'"; return null; }
            }
        }

        // A name whose last label is numeric is an IPv4 literal to every resolver (inet_aton); canonicalise it the
        // same way or refuse it, never let it pass as a "name".
        if (LooksNumeric(labels[^1]))
        {
            uint? v4 = ParseInetAton(labels);
            if (v4 is null) { error = "malformed IPv4 literal"; return null; }
            uint v = v4.Value;
            return string.Create(CultureInfo.InvariantCulture, $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}");
        }

        return lower;
    }

    /// <summary>True when the canonical form is an IP literal (v4 dotted quad or v6).</summary>
    public static bool IsIPLiteral(string canonical) => IPAddress.TryParse(canonical, out _);

    private static string? CanonicalIPv6(ReadOnlySpan<char> inner, out string? error)
    {
        error = null;
        if (inner.Contains('%')) { error = "IPv6 zone ids are refused"; return null; }
        if (!IPAddress.TryParse(inner, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            error = "malformed IPv6 literal";
            return null;
        }
        if (ip.IsIPv4MappedToIPv6)
        {
            return ip.MapToIPv4().ToString();
        }

        return ip.ToString();
    }

    private static bool LooksNumeric(string label)
    {
        if (label.StartsWith("0x", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (char c in label)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>inet_aton: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last part fills the rest.</summary>
    internal static uint? ParseInetAton(string[] parts)
    {
        if (parts.Length is < 1 or > 4)
        {
            return null;
        }

        var values = new ulong[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            ulong? v = ParseNumber(parts[i]);
            if (v is null)
            {
                return null;
            }

            values[i] = v.Value;
        }
        ulong result = 0;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            if (values[i] > 255)
            {
                return null;
            }

            result |= values[i] << (24 - (8 * i));
        }
        int remainingBits = 32 - (8 * (parts.Length - 1));
        ulong last = values[^1];
        if (last >= (1UL << remainingBits))
        {
            return null;
        }

        return (uint)(result | last);
    }

    private static ulong? ParseNumber(string s)
    {
        if (s.Length == 0 || s.Length > 34)
        {
            return null;
        }

        int radix = 10;
        ReadOnlySpan<char> digits = s;
        if (s.StartsWith("0x", StringComparison.Ordinal))
        {
            radix = 16; digits = s.AsSpan(2); if (digits.IsEmpty)
            {
                return 0;
            }
        }
        else if (s.Length > 1 && s[0] == '0') { radix = 8; digits = s.AsSpan(1); }
        ulong value = 0;
        foreach (char c in digits)
        {
            int d = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                _ => 99,
            };
            if (d >= radix)
            {
                return null;
            }

            value = (value * (ulong)radix) + (ulong)d;
            if (value > uint.MaxValue)
            {
                return null;
            }
        }
        return value;
    }
}
