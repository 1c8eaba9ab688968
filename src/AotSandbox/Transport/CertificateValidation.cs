using System.Net.Security;

namespace AotSandbox.Transport;

/// <summary>Turns <see cref="WebSocketClientOptions"/> into the TLS server-certificate check.</summary>
internal static class CertificateValidation
{
    /// <summary>
    /// The callback for SslStream, or null for the platform's default validation: the caller's own callback decides
    /// alone; otherwise the decision the REST client uses too (<see cref="ServerCertificateCheck"/>).
    /// </summary>
    public static RemoteCertificateValidationCallback? Create(WebSocketClientOptions options) =>
        options.CertificateValidation ?? ServerCertificateCheck.Create(options.SkipCertificateValidation, options.TrustedCertificateAuthorities);
}
