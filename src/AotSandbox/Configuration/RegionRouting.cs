using System.Globalization;

namespace AotSandbox;

/// <summary>Region validation and routing of the bare canonical host to its regional host.</summary>
internal static class RegionRouting
{
    /// <summary>The canonical service host; only this exact origin is rewritten.</summary>
    public const string CanonicalHost = "sandbox-adobeioruntime.net";

    public const string InvalidRegionMessage =
        "Invalid sandbox region provided: expected 2-4 letters followed by 1-2 digits (for example, 'va6', 'irl1', 'jpn3', or 'aus3')";

    /// <summary>Validates <c>^[a-z]{2,4}[0-9]{1,2}$</c> (any case) and returns the region lowercased.</summary>
    /// <exception cref="SandboxClientException">The region does not have that form.</exception>
    public static string Validate(string? region)
    {
        if (string.IsNullOrEmpty(region) || region.Length > 6)
        {
            throw new SandboxClientException(InvalidRegionMessage);
        }

        int letters = 0;
        while (letters < region.Length && char.IsAsciiLetter(region[letters]))
        {
            letters++;
        }

        int digits = region.Length - letters;
        if (letters is < 2 or > 4 || digits is < 1 or > 2)
        {
            throw new SandboxClientException(InvalidRegionMessage);
        }

        for (int i = letters; i < region.Length; i++)
        {
            if (!char.IsAsciiDigit(region[i]))
            {
                throw new SandboxClientException(InvalidRegionMessage);
            }
        }

        return region.ToLower(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Returns the regional host when <paramref name="normalizedHost"/> is exactly the bare canonical host (https, default
    /// port, no user info, no path, query or fragment); any other host is returned unchanged.
    /// </summary>
    public static string Route(string normalizedHost, string region)
    {
        if (!Uri.TryCreate(normalizedHost, UriKind.Absolute, out Uri? uri)
            || uri.Scheme != Uri.UriSchemeHttps
            || !string.Equals(uri.Host, CanonicalHost, StringComparison.OrdinalIgnoreCase)
            || !uri.IsDefaultPort
            || uri.UserInfo.Length != 0
            || uri.AbsolutePath != "/"
            || uri.Query.Length != 0
            || uri.Fragment.Length != 0
            || normalizedHost.Contains('?', StringComparison.Ordinal)
            || normalizedHost.Contains('#', StringComparison.Ordinal))
        {
            return normalizedHost;
        }

        return $"https://{region}.{CanonicalHost}";
    }
}
