using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using AotSandbox.Transport;

namespace AotSandbox.Rest;

/// <summary>Certificate validation shared by REST (and mirrored by the WebSocket transport options).</summary>
internal static class TlsValidation
{
    /// <summary>Returns <see langword="null"/> (system validation) unless the options ask for something else.</summary>
    public static RemoteCertificateValidationCallback? Create(bool skip, X509Certificate2Collection? trusted)
    {
        if (skip)
        {
#pragma warning disable CA5359 // Opt-in development switch (SkipCertificateValidation), documented as such.
            return static (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        if (trusted is null || trusted.Count == 0)
        {
            return null;
        }

        return (_, certificate, presented, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            // Only a chain problem may be cured by the extra authorities; a name mismatch never is.
            if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
            ServerChainPolicy.Restrict(chain.ChainPolicy);

            // The intermediates the server sent: with downloads off they are the only source of the path to the CA.
            if (presented is not null)
            {
                foreach (X509ChainElement element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };
    }
}
