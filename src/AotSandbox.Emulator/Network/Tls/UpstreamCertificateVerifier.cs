using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Verifies upstream servers when TLS is terminated: the platform's normal verification, or (only for chain errors,
/// never for a name mismatch) a chain to one of the operator's <c>EgressTrustCa</c> certificates.
/// </summary>
internal sealed class UpstreamCertificateVerifier
{
    private readonly X509Certificate2Collection _extraRoots = [];

    /// <summary>Loads every certificate of each PEM file.</summary>
    public UpstreamCertificateVerifier(IEnumerable<string> trustCaFiles)
    {
        foreach (string file in trustCaFiles)
        {
            _extraRoots.ImportFromPemFile(file);
        }
    }

    /// <summary>The validation callback for <see cref="SslClientAuthenticationOptions"/>.</summary>
    public bool Verify(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || _extraRoots.Count == 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        // Never downloads what the certificate names (see UpstreamChainPolicy): only what the server sent counts.
        custom.ChainPolicy = UpstreamChainPolicy.Create();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
        if (chain is not null)
        {
            foreach (X509ChainElement e in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(e.Certificate);
            }
        }
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
