using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Transport;

/// <summary>Settings of one client WebSocket connection.</summary>
internal sealed class WebSocketClientOptions
{
    /// <summary>Largest message accepted from the server (reassembled across fragments); larger ones close the connection with 1009.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long the TCP connect, TLS handshake and HTTP upgrade may take together.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Accept any server certificate (development only).</summary>
    public bool SkipCertificateValidation { get; init; }

    /// <summary>Extra certificate authorities trusted for wss:// (in addition to the system store).</summary>
    public X509Certificate2Collection? TrustedCertificateAuthorities { get; init; }

    /// <summary>Optional custom validation; when set it decides alone.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; init; }
}
