using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Transport;

/// <summary>
/// The one decision, for the REST client and the WebSocket client alike, on whether a TLS server certificate is
/// trusted when the caller named extra certificate authorities (trusted <i>in addition to</i> the system store).
/// </summary>
/// <remarks>
/// The platform's verdict (system roots, host name, validity, server-authentication usage) comes first; only a chain
/// that failed for want of a trusted root is then rebuilt against the extra authorities, under the same rules. A name
/// mismatch, a missing certificate, or any other chain fault is never cured by them.
/// Building against the extra authorities first (<see cref="SslClientAuthenticationOptions.CertificateChainPolicy"/>
/// with <see cref="X509ChainTrustMode.CustomRootTrust"/>) was measured and buys nothing on Linux: .NET loads the whole
/// system store (/etc/ssl/certs) for every chain it builds, custom trust mode included, so the first TLS connection
/// pays for it either way (bench/PROFILE-NOTES.md, "wss:// cold start beside ws://").
/// </remarks>
internal static class ServerCertificateCheck
{
    /// <summary>The callback for SslStream, or <see langword="null"/> for the platform's own validation.</summary>
    /// <param name="skip">Accept any certificate (the documented development-only switch).</param>
    /// <param name="trusted">Extra trusted authorities; null or empty leaves the decision to the platform.</param>
    public static RemoteCertificateValidationCallback? Create(bool skip, X509Certificate2Collection? trusted)
    {
        if (skip)
        {
#pragma warning disable CA5359 // Accepting any certificate is exactly what the caller opted into (development only, documented on the option).
            return static (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        if (trusted is not { Count: > 0 })
        {
            return null;
        }

        return (_, certificate, chain, errors) => IsTrusted(certificate, chain, errors, trusted);
    }

    /// <summary>The decision itself, given what SslStream found with the system store.</summary>
    internal static bool IsTrusted(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || !OnlyTheRootIsMissing(chain))
        {
            return false;
        }

        using var rebuilt = new X509Chain();
        rebuilt.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        rebuilt.ChainPolicy.CustomTrustStore.AddRange(authorities);

        // Server-authentication usage, no revocation lookups and no AIA downloads, as every chain the SDK builds
        // (ServerChainPolicy): no network I/O here, the intermediates come from what the server sent.
        ServerChainPolicy.Restrict(rebuilt.ChainPolicy);

        // The intermediates the server sent are in the platform's chain; the rebuilt chain needs them too.
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

    /// <summary>True when the platform's chain failed only because no system root anchors it.</summary>
    private static bool OnlyTheRootIsMissing(X509Chain? chain)
    {
        if (chain is null)
        {
            return true;
        }

        foreach (X509ChainStatus status in chain.ChainStatus)
        {
            if ((status.Status & ~(X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
            {
                return false;
            }
        }

        return true;
    }
}
