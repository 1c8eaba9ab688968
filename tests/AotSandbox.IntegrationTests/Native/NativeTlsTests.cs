using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AotSandbox.IntegrationTests.Native;

/// <summary>
/// TLS through the published libaotsandbox.so (tls_get.c against an https server on loopback): the size work removed
/// HttpClient from the library by turning certificate downloads off, so these prove that a server sending its full chain
/// still validates, and that one leaving out its intermediate is refused cleanly, without the library fetching the
/// intermediate from the URL the server's own certificate names (and without tripping over the removed download code).
/// </summary>
public sealed class NativeTlsTests
{
    private static readonly SemaphoreSlim BuildOnce = new(1, 1);
    private static string? s_probe;

    [Fact]
    public async Task ServerSendingItsFullChain_IsTrusted_AndTheRequestGoesThrough()
    {
        using var pki = TestPki.Create();
        await using var aia = new AiaServer(pki.Intermediate.RawData);
        using X509Certificate2 leaf = pki.IssueLeaf(aia.Url);
        await using var server = new TlsHttpServer(leaf, [pki.Intermediate]);

        ProbeResult result = await RunProbeAsync(server.Port, pki);

        // 404 is the server's canned answer: reaching it means the handshake validated and HTTP ran over TLS.
        Assert.True(result.Status == "AOTSB_ERR_NOT_FOUND", "expected the server's 404 through TLS, got:\n" + result.Output);
        Assert.Contains(server.Requests, r => r.StartsWith("GET /api/v1/namespaces/tls-ns/sandboxes/sb-tls ", StringComparison.Ordinal));
        Assert.Empty(aia.Requests);
    }

    [Fact]
    public async Task ServerOmittingItsIntermediate_IsRefused_WithoutFetchingIt()
    {
        using var pki = TestPki.Create();
        await using var aia = new AiaServer(pki.Intermediate.RawData);
        using X509Certificate2 leaf = pki.IssueLeaf(aia.Url);
        await using var server = new TlsHttpServer(leaf, []);

        ProbeResult result = await RunProbeAsync(server.Port, pki);

        Assert.True(aia.Requests.IsEmpty, "the library downloaded the missing intermediate from the certificate's AIA URL: " + string.Join(", ", aia.Requests));
        Assert.True(server.Handshakes > 0, "the probe never reached the TLS server:\n" + result.Output);
        Assert.True(server.Requests.IsEmpty, "a request went over a connection whose chain could not be built:\n" + result.Output);
        Assert.True(result.Status is not "AOTSB_OK" and not "AOTSB_ERR_NOT_FOUND" and not "AOTSB_ERR_INTERNAL",
            "expected a clean TLS failure (not success, not an internal error from removed download code), got:\n" + result.Output);
        Assert.False(string.IsNullOrWhiteSpace(result.Message), "the failure carries no message:\n" + result.Output);
    }

    private sealed record ProbeResult(string Status, string Message, string Output);

    private static async Task<ProbeResult> RunProbeAsync(int port, TestPki pki)
    {
        string exe = await BuildProbeAsync();
        string work = Directory.CreateTempSubdirectory("aotsb-tls-").FullName;
        try
        {
            string caPem = Path.Combine(work, "ca.pem");
            await File.WriteAllTextAsync(caPem, pki.Root.ExportCertificatePem());
            var env = new Dictionary<string, string>
            {
                ["PROBE_API_HOST"] = $"https://127.0.0.1:{port}",
                ["PROBE_CA_PEM"] = caPem,
                // Where .NET would cache a downloaded intermediate (~/.dotnet/corefx/...): never the real home.
                ["HOME"] = work,
            };
            ProcessResult run = await NativeProcess.RunAsync(exe, [], work, TimeSpan.FromMinutes(1), env);
            Console.WriteLine(run.Output);
            Assert.True(run.ExitCode == 0, "tls_get failed to run:\n" + run.Output);
            string status = Line(run.Output, "STATUS ");
            return new ProbeResult(status, Line(run.Output, "MESSAGE "), run.Output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Line(string output, string prefix)
    {
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..].TrimEnd('\r');
            }
        }

        return string.Empty;
    }

    private static async Task<string> BuildProbeAsync()
    {
        await BuildOnce.WaitAsync();
        try
        {
            if (s_probe is not null)
            {
                return s_probe;
            }

            await NativeBuild.LibraryAsync();
            string outDir = Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "tls");
            Directory.CreateDirectory(outDir);
            string exe = Path.Combine(outDir, "tls_get");
            string source = Path.Combine(NativeBuild.RepoRoot, "tests", "AotSandbox.IntegrationTests", "Native", "tls_get.c");
            ProcessResult cc = await NativeProcess.RunAsync(
                "cc",
                ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1", "-I", NativeBuild.IncludeDir, source, "-o", exe,
                 "-L", NativeBuild.LibDir, "-laotsandbox", "-Wl,-rpath," + NativeBuild.LibDir],
                NativeBuild.RepoRoot,
                TimeSpan.FromMinutes(1));
            Assert.True(cc.ExitCode == 0, "cc tls_get.c failed:\n" + cc.Output);
            s_probe = exe;
            return exe;
        }
        finally
        {
            BuildOnce.Release();
        }
    }

    /// <summary>Root → intermediate → leaf for 127.0.0.1, fresh keys per test (so no cache can answer for them).</summary>
    private sealed class TestPki : IDisposable
    {
        private readonly ECDsa _intermediateKey;

        private TestPki(X509Certificate2 root, X509Certificate2 intermediate, ECDsa intermediateKey)
        {
            Root = root;
            Intermediate = intermediate;
            _intermediateKey = intermediateKey;
        }

        public X509Certificate2 Root { get; }

        public X509Certificate2 Intermediate { get; }

        public static TestPki Create()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var rootRequest = new CertificateRequest("CN=AotSandbox TLS test root", rootKey, HashAlgorithmName.SHA256);
            AddCaExtensions(rootRequest);
            X509Certificate2 root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

            var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var intermediateRequest = new CertificateRequest("CN=AotSandbox TLS test intermediate", intermediateKey, HashAlgorithmName.SHA256);
            AddCaExtensions(intermediateRequest);
            using X509Certificate2 intermediatePublic = intermediateRequest.Create(root, now.AddDays(-1), now.AddDays(2), RandomNumberGenerator.GetBytes(8));
            X509Certificate2 intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);
            return new TestPki(root, intermediate, intermediateKey);
        }

        /// <summary>The server certificate, naming <paramref name="aiaUrl"/> as where its issuer can be downloaded.</summary>
        public X509Certificate2 IssueLeaf(string aiaUrl)
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(ocspUris: null, caIssuersUris: [aiaUrl]));
            using X509Certificate2 leaf = request.Create(Intermediate, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
            using X509Certificate2 withKey = leaf.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
        }

        private static void AddCaExtensions(CertificateRequest request)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        }

        public void Dispose()
        {
            Root.Dispose();
            Intermediate.Dispose();
            _intermediateKey.Dispose();
        }
    }

    /// <summary>A loopback listener serving one connection at a time until disposed; records request lines.</summary>
    private abstract class LoopbackServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public ConcurrentQueue<string> Requests { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }

        /// <summary>Called by the derived constructor once its own fields are set.</summary>
        protected void Start()
        {
            _listener.Start();
            _loop = Task.Run(AcceptLoopAsync);
        }

        protected abstract Task ServeAsync(NetworkStream stream, CancellationToken cancellationToken);

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                using (client)
                {
                    try
                    {
                        await ServeAsync(client.GetStream(), _stop.Token);
                    }
                    catch (Exception)
                    {
                        // A client that hung up early or refused the certificate: an outcome under test, not a server fault.
                    }
                }
            }
        }
    }

    /// <summary>Plain HTTP on loopback serving the intermediate, as a CA's "caIssuers" URL would: records every request.</summary>
    private sealed class AiaServer : LoopbackServer
    {
        private readonly byte[] _der;

        public AiaServer(byte[] der)
        {
            _der = der;
            Start();
        }

        public string Url => $"http://127.0.0.1:{Port}/intermediate.cer";

        protected override async Task ServeAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            string head = await ReadHeadAsync(stream, cancellationToken);
            Requests.Enqueue(head.Split("\r\n")[0]);
            byte[] header = Encoding.ASCII.GetBytes(
                $"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {_der.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(header, cancellationToken);
            await stream.WriteAsync(_der, cancellationToken);
        }
    }

    /// <summary>TLS on loopback presenting <c>leaf</c> plus the given intermediates; answers every request with a 404.</summary>
    private sealed class TlsHttpServer : LoopbackServer
    {
        private readonly SslStreamCertificateContext _context;
        private int _handshakes;

        public TlsHttpServer(X509Certificate2 leaf, X509Certificate2[] intermediates)
        {
            // offline: the server itself must not go looking for anything either.
            _context = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(intermediates), offline: true);
            Start();
        }

        /// <summary>Connections that reached the TLS handshake (whether or not it completed).</summary>
        public int Handshakes => Volatile.Read(ref _handshakes);

        protected override async Task ServeAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _handshakes);
            await using var tls = new SslStream(stream);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = _context }, cancellationToken);
            // Under TLS 1.3 the server's side completes before the client has judged the certificate: a client
            // that refuses it then closes without a request, which must not count as one.
            string head = await ReadHeadAsync(tls, cancellationToken);
            if (head.Length == 0)
            {
                return;
            }

            Requests.Enqueue(head.Split("\r\n")[0]);
            byte[] body = """{"error":"no such sandbox"}"""u8.ToArray();
            byte[] header = Encoding.ASCII.GetBytes(
                $"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await tls.WriteAsync(header, cancellationToken);
            await tls.WriteAsync(body, cancellationToken);
        }
    }

    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        // Byte by byte up to the blank line: small, and never reads past the head into a body.
        var head = new StringBuilder();
        byte[] one = new byte[1];
        while (head.Length < 16 * 1024 && !EndsWithBlankLine(head))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    private static bool EndsWithBlankLine(StringBuilder head)
    {
        int n = head.Length;
        return n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n';
    }
}
