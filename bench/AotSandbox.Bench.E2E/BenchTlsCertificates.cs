using System.Security.Cryptography.X509Certificates;
using AotSandbox.IntegrationTests.Sdk;

namespace AotSandbox.Bench.E2E;

/// <summary>
/// A private CA made for this bench run and a server certificate it signs for 127.0.0.1, for the emulator's TLS
/// listener (the pair the TLS end-to-end tests use). The CA's public part is also written as PEM in a fresh 0700
/// directory, for the AOT client to load.
/// </summary>
internal sealed class BenchTlsCertificates : IDisposable
{
    private readonly LoopbackTlsCertificates _pair = new("AotSandbox bench CA");
    private readonly DirectoryInfo _directory;

    public BenchTlsCertificates()
    {
        // A fresh directory only root can enter (the bench runs as root): no path in /tmp anyone could plant first.
        _directory = Directory.CreateTempSubdirectory("aotsb-bench-ca-");
        AuthorityPemFile = Path.Combine(_directory.FullName, "ca.pem");
        File.WriteAllText(AuthorityPemFile, Authority.ExportCertificatePem());
    }

    /// <summary>The emulator's certificate (with its key), for 127.0.0.1.</summary>
    public X509Certificate2 Server => _pair.Server;

    /// <summary>The CA the clients trust.</summary>
    public X509Certificate2 Authority => _pair.Authority;

    /// <summary>The CA in PEM, for the AOT client's <c>--ca</c>.</summary>
    public string AuthorityPemFile { get; }

    public void Dispose()
    {
        _pair.Dispose();
        _directory.Delete(recursive: true);
    }
}
