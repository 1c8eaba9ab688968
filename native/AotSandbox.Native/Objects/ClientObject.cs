using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Native.Objects;

/// <summary>
/// The immutable <c>aotsb_client_t</c>: credentials resolved once (explicit values, else __OW_* environment variables)
/// and TLS settings; it hands out fresh SDK option objects, so concurrent calls never share mutable state.
/// </summary>
internal sealed class ClientObject
{
    private readonly SandboxCredentials _credentials;
    private readonly bool _skipTls;
    private readonly X509Certificate2Collection? _cas;
    private readonly TimeSpan? _httpTimeout;
    private readonly TimeSpan _connectTimeout;

    public ClientObject(ConfigObject config)
    {
        _credentials = SandboxCredentials.Resolve(config.ApiHost, config.Namespace, config.ApiKey);
        _skipTls = config.SkipTlsVerify;
        _cas = config.TrustedCas is null ? null : new X509Certificate2Collection(config.TrustedCas);
        _httpTimeout = config.HttpTimeoutMs == 0 ? null : TimeSpan.FromMilliseconds(config.HttpTimeoutMs);
        _connectTimeout = config.ConnectTimeoutMs == 0 ? TimeSpan.FromSeconds(10) : TimeSpan.FromMilliseconds(config.ConnectTimeoutMs);
    }

    public SandboxConnectionOptions Connection() => Fill(new SandboxConnectionOptions());

    public T Fill<T>(T options)
        where T : SandboxConnectionOptions
    {
        options.ApiHost = _credentials.ApiHost;
        options.Namespace = _credentials.Namespace;
        options.ApiKey = _credentials.ApiKey;
        options.SkipCertificateValidation = _skipTls;
        options.TrustedCertificateAuthorities = _cas;
        options.HttpTimeout = _httpTimeout;
        options.ConnectTimeout = _connectTimeout;
        return options;
    }
}
