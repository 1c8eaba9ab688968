using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Transport;

/// <summary>
/// How the SDK builds a server's certificate chain: from the certificates the server sent and the local trust stores,
/// never by downloading a missing issuer (the certificate's AIA URL) or revocation data.
/// </summary>
/// <remarks>
/// Why: a TLS server has to send its intermediates (RFC 8446 §4.4.2), so a properly served chain validates exactly as it
/// did with downloads on. What downloading adds is a plain-HTTP request, made before the server is trusted, to a URL the
/// server's own certificate names, and a write of the fetched certificate into the user's certificate store. On Linux that
/// fetch is also the only path that keeps HttpClient in libaotsandbox.so (about 1.1 MB of its 5.8; see
/// bench/PROFILE-NOTES.md), which the native build then removes. Revocation stays unchecked, as SslStream's client default
/// has it.
/// </remarks>
internal static class ServerChainPolicy
{
    /// <summary>A fresh policy for one handshake (SslStream keeps it, so one per handshake).</summary>
    public static X509ChainPolicy Create()
    {
        var policy = new X509ChainPolicy();
        Restrict(policy);
        return policy;
    }

    /// <summary>
    /// Turns downloads (and with them online revocation) off in a chain the SDK builds itself, and asks for a certificate
    /// usable by a TLS server, as SslStream's own chain does (a certificate without the usage extension still passes).
    /// </summary>
    public static void Restrict(X509ChainPolicy policy)
    {
        policy.DisableCertificateDownloads = true;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        policy.ApplicationPolicy.Add(ServerAuthentication);
    }

    private static Oid ServerAuthentication => new("1.3.6.1.5.5.7.3.1", "Server Authentication");
}
