namespace AotSandbox;

/// <summary>Turns a user-supplied host into the base URL that REST paths are appended to.</summary>
internal static class HostNormalizer
{
    /// <summary>
    /// Adds <c>https://</c> when the value has no <c>http://</c>/<c>https://</c> scheme, and strips one trailing slash.
    /// The reference SDKs keep the slash and so build <c>https://h//api/v1/...</c>; stripping it is a deliberate fix.
    /// The scheme check ignores case (the reference SDKs' check is case-sensitive and would produce <c>https://HTTPS://h</c>).
    /// </summary>
    public static string Normalize(string host)
    {
        string value = host.Trim();
        if (!value.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            && !value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            value = "https://" + value;
        }

        if (value.EndsWith('/'))
        {
            value = value[..^1];
        }

        return value;
    }
}
