using System.Globalization;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// The preview host name: <c>p{port}-{token}.preview.localhost</c> (any listener port). The token is 128 random bits
/// in lower-case hex — host names are case-insensitive, so base64 would lose entropy. Parsing is strict: exactly
/// that one label under <c>preview.localhost</c>, nothing before or after it.
/// </summary>
internal static class PreviewHost
{
    /// <summary>The domain every preview host lives under (browsers resolve *.localhost to loopback without DNS).</summary>
    public const string Domain = "preview.localhost";

    /// <summary>The host label for a port and token.</summary>
    public static string Label(int port, string token) => string.Create(CultureInfo.InvariantCulture, $"p{port}-{token}");

    /// <summary>Parses a Host header value; null when it is not a well-formed preview host.</summary>
    public static (int Port, string Token)? TryParse(string? hostHeader)
    {
        if (hostHeader is null)
        {
            return null;
        }

        string? host = Authority.TryParse(hostHeader, out _, out _);
        if (host is null || !host.EndsWith("." + Domain, StringComparison.Ordinal))
        {
            return null;
        }

        string label = host[..^(Domain.Length + 1)];
        if (label.Length < 3 || label[0] != 'p' || label.Contains('.', StringComparison.Ordinal))
        {
            return null;
        }

        int dash = label.IndexOf('-', StringComparison.Ordinal);
        if (dash is < 2 or > 6)
        {
            return null;
        }

        ReadOnlySpan<char> portText = label.AsSpan(1, dash - 1);
        foreach (char c in portText)
        {
            if (!char.IsAsciiDigit(c))
            {
                return null;
            }
        }

        if (portText[0] == '0' || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            return null;
        }

        string token = label[(dash + 1)..];
        if (token.Length != 32 || !token.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            return null;
        }

        return (port, token);
    }
}
