using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Transport;

/// <summary>
/// The server-certificate decision with extra trusted CAs, over real loopback TLS handshakes, once per plane: the REST
/// client and the WebSocket client must accept and refuse exactly the same certificates.
/// </summary>
public sealed class ServerCertificateCheckTests : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _caPublic;

    public ServerCertificateCheckTests()
    {
        _ca = MakeCa("CN=aotsb check test CA", _caKey, issuer: null, issuerKey: null);
        _caPublic = X509CertificateLoader.LoadCertificate(_ca.RawData);
    }

    public static TheoryData<string> Planes => new() { "rest", "ws" };

    public void Dispose()
    {
        _caPublic.Dispose();
        _ca.Dispose();
        _caKey.Dispose();
        _timeout.Dispose();
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public async Task PrivateCa_LeafForTheName_IsAccepted(string plane)
    {
        using X509Certificate2 leaf = MakeLeaf("localhost", _ca, _caKey, ServerAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(5));
        Assert.True(await HandshakeAsync(plane, leaf, intermediate: null, "localhost", [_caPublic]));
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public async Task PrivateCa_ThroughAnIntermediateTheServerSends_IsAccepted(string plane)
    {
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 intermediate = MakeCa("CN=aotsb check test intermediate", intermediateKey, _ca, _caKey);
        using X509Certificate2 leaf = MakeLeaf("localhost", intermediate, intermediateKey, ServerAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(5));
        Assert.True(await HandshakeAsync(plane, leaf, intermediate, "localhost", [_caPublic]));
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public async Task UnknownCa_IsRefused(string plane)
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 other = MakeCa("CN=aotsb check other CA", otherKey, issuer: null, issuerKey: null);
        using X509Certificate2 leaf = MakeLeaf("localhost", other, otherKey, ServerAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(5));
        Assert.False(await HandshakeAsync(plane, leaf, intermediate: null, "localhost", [_caPublic]));
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public async Task TrustedCa_WrongName_IsRefused(string plane)
    {
        using X509Certificate2 leaf = MakeLeaf("elsewhere.test", _ca, _caKey, ServerAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(5));
        Assert.False(await HandshakeAsync(plane, leaf, intermediate: null, "localhost", [_caPublic]));
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public async Task TrustedCa_ExpiredLeaf_IsRefused(string plane)
    {
        using X509Certificate2 leaf = MakeLeaf("localhost", _ca, _caKey, ServerAuth, DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1));
        Assert.False(await HandshakeAsync(plane, leaf, intermediate: null, "localhost", [_caPublic]));
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public async Task TrustedCa_LeafNotForServerAuthentication_IsRefused(string plane)
    {
        // A client-authentication certificate from the same CA must not be able to stand in for a server.
        using X509Certificate2 leaf = MakeLeaf("localhost", _ca, _caKey, ClientAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(5));
        Assert.False(await HandshakeAsync(plane, leaf, intermediate: null, "localhost", [_caPublic]));
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public void SystemStoreVerdictAccepted_StaysAccepted_WithExtraCasConfigured(string plane)
    {
        // A public server (chain to a system root, name right) reaches the callback with no errors; configuring extra
        // CAs must not turn it away. A real public chain cannot be built offline without editing this machine's
        // system store, so the platform's verdict is given directly here.
        RemoteCertificateValidationCallback callback = CallbackFor(plane, [_caPublic])!;
        using X509Certificate2 leaf = MakeLeaf("localhost", _ca, _caKey, ServerAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(5));
        Assert.True(callback(this, leaf, null, SslPolicyErrors.None));
        Assert.False(callback(this, leaf, null, SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(callback(this, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public void NoExtraCas_LeavesTheDecisionToThePlatform(string plane)
    {
        Assert.Null(CallbackFor(plane, null));
        Assert.Null(CallbackFor(plane, []));
    }

    private static RemoteCertificateValidationCallback? CallbackFor(string plane, X509Certificate2Collection? trusted) => plane switch
    {
        "rest" => ServerCertificateCheck.Create(skip: false, trusted),
        "ws" => CertificateValidation.Create(new WebSocketClientOptions { TrustedCertificateAuthorities = trusted }),
        _ => throw new ArgumentOutOfRangeException(nameof(plane)),
    };

    /// <summary>Real TLS over loopback; true when the client accepted the server, false when it refused it.</summary>
    private async Task<bool> HandshakeAsync(string plane, X509Certificate2 leaf, X509Certificate2? intermediate, string targetHost, X509Certificate2Collection trusted)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        SslStreamCertificateContext context = SslStreamCertificateContext.Create(
            leaf, intermediate is null ? null : [X509CertificateLoader.LoadCertificate(intermediate.RawData)], offline: true);
        Task server = Task.Run(async () =>
        {
            using TcpClient accepted = await listener.AcceptTcpClientAsync(_timeout.Token);
            await using var tls = new SslStream(accepted.GetStream());
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, _timeout.Token);
                await tls.WriteAsync(new byte[] { 1 }, _timeout.Token);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                // The client refused us: that is the outcome under test, read on the client side.
            }
        });

        bool accepted;
        (Socket socket, Stream stream) connection = default;
        try
        {
            connection = await StreamConnector.ConnectAsync(targetHost, port, secure: true, CallbackFor(plane, trusted), _timeout.Token);
            var one = new byte[1];
            await connection.stream.ReadExactlyAsync(one, _timeout.Token);
            accepted = true;
        }
        catch (AuthenticationException)
        {
            accepted = false;
        }
        finally
        {
            if (connection.stream is not null)
            {
                await connection.stream.DisposeAsync();
            }

            connection.socket?.Dispose();
        }

        await server;
        return accepted;
    }

    private static X509Certificate2 MakeCa(string subject, ECDsa key, X509Certificate2? issuer, ECDsa? issuerKey)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset from = DateTimeOffset.UtcNow.AddDays(-30);
        DateTimeOffset to = DateTimeOffset.UtcNow.AddDays(30);
        if (issuer is null)
        {
            return request.CreateSelfSigned(from, to);
        }

        using X509Certificate2 signed = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey!), from, to, SerialNumber());
        return signed.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 MakeLeaf(string dnsName, X509Certificate2 issuer, ECDsa issuerKey, string usage, DateTimeOffset from, DateTimeOffset to)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using X509Certificate2 signed = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), from, to, SerialNumber());
        using X509Certificate2 withKey = signed.CopyWithPrivateKey(key);

        // An exportable, PKCS#12-loaded copy: SslStream on Linux wants a private key it can hand to OpenSSL.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static byte[] SerialNumber() => RandomNumberGenerator.GetBytes(12);
}
