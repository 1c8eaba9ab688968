using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Rest.Http;

/// <summary>
/// Which connections are interchangeable: same scheme, host and port, validated under the same trust settings
/// (the authority collection is compared by reference, as the options object holds it).
/// </summary>
internal readonly record struct ConnectionKey(bool Secure, string Host, int Port, bool SkipCertificateValidation, X509Certificate2Collection? TrustedAuthorities)
{
    /// <summary>The key for an http(s):// or ws(s):// address.</summary>
    public static ConnectionKey For(Uri uri, bool skipCertificateValidation, X509Certificate2Collection? trusted)
    {
        bool secure = uri.Scheme is "https" or "wss";
        return new ConnectionKey(secure, uri.IdnHost, uri.Port, secure && skipCertificateValidation, secure ? trusted : null);
    }
}
