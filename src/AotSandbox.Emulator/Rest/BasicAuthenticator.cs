using System.Security.Cryptography;
using System.Text;

namespace AotSandbox.Emulator.Rest;

/// <summary>
/// Checks <c>Authorization: Basic base64(key)</c> against the configured tenants and yields the key's namespace.
/// Every configured key is compared (constant time each) so the answer time does not reveal which one nearly matched.
/// </summary>
internal sealed class BasicAuthenticator
{
    private readonly (string Namespace, byte[] Key)[] _tenants;

    public BasicAuthenticator(IEnumerable<EmulatorTenant> tenants)
    {
        _tenants = tenants.Select(t => (t.Namespace, Encoding.UTF8.GetBytes(t.ApiKey))).ToArray();
    }

    /// <summary>Returns the namespace the header's key belongs to, or null when the header is missing, malformed or wrong.</summary>
    public string? Authenticate(string? authorizationHeader)
    {
        if (authorizationHeader is null || !authorizationHeader.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        ReadOnlySpan<char> encoded = authorizationHeader.AsSpan(6).Trim();
        if (encoded.Length > 1024)
        {
            return null;
        }

        Span<byte> presented = stackalloc byte[768];
        if (!Convert.TryFromBase64Chars(encoded, presented, out int length))
        {
            return null;
        }

        presented = presented[..length];
        string? match = null;
        foreach ((string ns, byte[] key) in _tenants)
        {
            // FixedTimeEquals returns early only on a length difference, which reveals nothing useful about a random secret.
            if (CryptographicOperations.FixedTimeEquals(presented, key))
            {
                match ??= ns;
            }
        }

        return match;
    }
}
