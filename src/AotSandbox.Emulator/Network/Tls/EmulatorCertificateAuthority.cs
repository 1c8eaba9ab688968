using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// The emulator's TLS-inspection CA. Generated per emulator run and held in memory only: the private key is never
/// written anywhere, so it cannot reach a sandbox. Issues short-lived leaf certificates per (canonical) server name
/// from a bounded LRU cache.
/// </summary>
internal sealed class EmulatorCertificateAuthority : IDisposable
{
    private const int CacheCapacity = 512;

    private readonly ECDsa _caKey;
    private readonly X509Certificate2 _caCertificate;
    private readonly Dictionary<string, LinkedListNode<(string Name, SslStreamCertificateContext Context)>> _cache = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Name, SslStreamCertificateContext Context)> _lru = new();
    private readonly Lock _lock = new();

    /// <summary>Creates a fresh CA (P-256, valid 10 years back-dated one day).</summary>
    public EmulatorCertificateAuthority()
    {
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=AotSandbox Emulator Egress CA, O=AotSandbox", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        _caCertificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
    }

    /// <summary>The CA certificate in PEM (public part only).</summary>
    public string CertificatePem => _caCertificate.ExportCertificatePem();

    /// <summary>The CA certificate (public part), e.g. for tests that verify leaves.</summary>
    public X509Certificate2 Certificate => _caCertificate;

    /// <summary>A server certificate context (leaf + CA chain) for <paramref name="canonicalName"/>.</summary>
    public SslStreamCertificateContext ContextFor(string canonicalName)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(canonicalName, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                return node.Value.Context;
            }
        }
        SslStreamCertificateContext context = Issue(canonicalName);
        lock (_lock)
        {
            if (_cache.TryGetValue(canonicalName, out var existing))
            {
                return existing.Value.Context;
            }

            var node = _lru.AddFirst((canonicalName, context));
            _cache[canonicalName] = node;
            while (_cache.Count > CacheCapacity)
            {
                var last = _lru.Last!;
                _lru.RemoveLast();
                _cache.Remove(last.Value.Name);
            }
            return context;
        }
    }

    /// <summary>The trust bundle: this CA, then the host's roots so ordinary TLS keeps working (the caller writes it).</summary>
    public string BundleText()
    {
        var text = new StringBuilder(CertificatePem).Append('\n');
        const string hostRoots = "/etc/ssl/certs/ca-certificates.crt";
        if (File.Exists(hostRoots))
        {
            text.Append(File.ReadAllText(hostRoots));
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _caKey.Dispose();
        _caCertificate.Dispose();
    }

    private SslStreamCertificateContext Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + (name.Length <= 64 ? name : "aotsandbox-leaf")), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(name, out IPAddress? ip))
        {
            san.AddIpAddress(ip);
        }
        else
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using X509Certificate2 publicOnly = request.Create(_caCertificate, now.AddHours(-1), now.AddDays(7), serial);
        X509Certificate2 leaf = publicOnly.CopyWithPrivateKey(key);
        return SslStreamCertificateContext.Create(leaf, [_caCertificate], offline: true);
    }
}
