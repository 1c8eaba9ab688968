using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Bench.E2E;

/// <summary>
/// A private CA made for this bench run and a server certificate it signs for 127.0.0.1, for the emulator's TLS
/// listener. The CA's public part is also written as PEM in a fresh 0700 directory, for the AOT client to load.
/// </summary>
internal sealed class BenchTlsCertificates : IDisposable
{
    private readonly DirectoryInfo _directory;

    public BenchTlsCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=AotSandbox bench CA", caKey, HashAlgorithmName.SHA256);
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
        Server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
        Authority = X509CertificateLoader.LoadCertificate(ca.RawData);

        // A fresh directory only root can enter (the bench runs as root): no path in /tmp anyone could plant first.
        _directory = Directory.CreateTempSubdirectory("aotsb-bench-ca-");
        AuthorityPemFile = Path.Combine(_directory.FullName, "ca.pem");
        File.WriteAllText(AuthorityPemFile, Authority.ExportCertificatePem());
    }

    /// <summary>The emulator's certificate (with its key), for 127.0.0.1.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The CA the clients trust.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The CA in PEM, for the AOT client's <c>--ca</c>.</summary>
    public string AuthorityPemFile { get; }

    public void Dispose()
    {
        Server.Dispose();
        Authority.Dispose();
        _directory.Delete(recursive: true);
    }
}
