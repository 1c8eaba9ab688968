using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Transport;

/// <summary>Turns <see cref="WebSocketClientOptions"/> into the TLS server-certificate check.</summary>
internal static class CertificateValidation
{
    /// <summary>
    /// The callback for SslStream, or null for the platform's default validation.
    /// Custom CAs are trusted <i>in addition to</i> the system store: the system verdict is taken first, and only a
    /// chain that failed for lack of a trusted root is rebuilt against the custom CAs (name and validity errors stay fatal).
    /// </summary>
    public static RemoteCertificateValidationCallback? Create(WebSocketClientOptions options)
    {
        if (options.CertificateValidation is { } custom)
        {
            return custom;
        }

        if (options.SkipCertificateValidation)
        {
#pragma warning disable CA5359 // Accepting any certificate is exactly what the caller opted into (development only, documented on the option).
            return static (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        if (options.TrustedCertificateAuthorities is { Count: > 0 } authorities)
        {
            return (_, certificate, chain, errors) => ValidateWithExtraRoots(certificate, chain, errors, authorities);
        }

        return null;
    }

    private static bool ValidateWithExtraRoots(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false;
        }

        if (chain is not null)
        {
            foreach (X509ChainStatus status in chain.ChainStatus)
            {
                if ((status.Status & ~(X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
                {
                    return false;
                }
            }
        }

        using var rebuilt = new X509Chain();
        rebuilt.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        rebuilt.ChainPolicy.CustomTrustStore.AddRange(authorities);

        // Private CAs rarely publish revocation lists; SslStream does not check revocation by default either. No AIA
        // downloads either: the intermediates come from what the server sent (see ServerChainPolicy).
        ServerChainPolicy.Restrict(rebuilt.ChainPolicy);
        if (chain is not null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                rebuilt.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (certificate is X509Certificate2 leaf)
        {
            return rebuilt.Build(leaf);
        }

        using X509Certificate2 copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return rebuilt.Build(copy);
    }
}
