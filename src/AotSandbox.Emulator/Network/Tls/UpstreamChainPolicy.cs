using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// The one chain policy for every chain the emulator builds for an upstream server (SslStream's own build and
/// <see cref="UpstreamCertificateVerifier"/>'s rebuilds).
/// </summary>
/// <remarks>
/// The emulator runs as root in the host's network, and upstream certificates are chosen by whoever runs the upstream.
/// By default .NET on Linux downloads a missing issuer from the URL in the leaf's AIA extension (and, when revocation
/// is checked, CRLs and OCSP answers) over plain HTTP: an allowed upstream could then make root send a GET to any
/// address it names, outside every sandbox's egress policy. So nothing is ever downloaded: a server must send its
/// intermediates (as TLS requires anyway). Revocation is <see cref="X509RevocationMode.NoCheck"/>, not Offline:
/// Offline consults only whatever CRLs some earlier online check left in root's cache, so the verdict would depend
/// on the host's history, and an absent CRL would make every chain fail; NoCheck is what SslStream did before.
/// </remarks>
internal static class UpstreamChainPolicy
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>A new policy (chain builds may add to its stores): system trust, no downloads, no revocation.</summary>
    public static X509ChainPolicy Create()
    {
        var policy = new X509ChainPolicy
        {
            DisableCertificateDownloads = true,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.ApplicationPolicy.Add(new Oid(ServerAuthentication));
        return policy;
    }
}
