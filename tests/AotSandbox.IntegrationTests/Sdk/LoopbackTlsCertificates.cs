using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// A private CA made fresh per test run (in memory only) and a server certificate it signs for 127.0.0.1: the shape a
/// real deployment has (leaf under a CA the client is told to trust), not a self-signed leaf trusted as its own root.
/// </summary>
internal sealed class LoopbackTlsCertificates : IDisposable
{
    public LoopbackTlsCertificates(string authorityName = "AotSandbox test CA")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=" + authorityName, caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=127.0.0.1", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 leaf = leafRequest.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(12));
        using X509Certificate2 withKey = leaf.CopyWithPrivateKey(leafKey);

        // Through PKCS#12 so the key is a persisted one the TLS server can use, as a loaded PEM/PFX would be.
        Server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
        Authority = X509CertificateLoader.LoadCertificate(ca.RawData);
    }

    /// <summary>The server certificate (with its private key), valid for 127.0.0.1 only.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The CA's public certificate: what a client is given to trust.</summary>
    public X509Certificate2 Authority { get; }

    public void Dispose()
    {
        Server.Dispose();
        Authority.Dispose();
    }
}
