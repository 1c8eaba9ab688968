using System.Runtime.CompilerServices;

namespace AotSandbox.Rest;

/// <summary>
/// One <see cref="SocketsHttpHandler"/> per distinct TLS setting: the default one is process-wide (connection reuse across
/// sandboxes), a custom one lives as long as the options object that asked for it.
/// </summary>
internal static class HttpInvokerCache
{
    private static readonly Lazy<HttpMessageInvoker> s_default = new(() => Create(null));
    private static readonly ConditionalWeakTable<SandboxConnectionOptions, HttpMessageInvoker> s_custom = new();

    public static HttpMessageInvoker For(SandboxConnectionOptions options)
    {
        if (!options.SkipCertificateValidation && options.TrustedCertificateAuthorities is null)
        {
            return s_default.Value;
        }

        return s_custom.GetValue(options, static o => Create(o));
    }

    private static HttpMessageInvoker Create(SandboxConnectionOptions? options)
    {
        var handler = new SocketsHttpHandler
        {
            // Re-resolve DNS now and then; sandboxes live for hours behind load-balanced hosts.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
        };
        if (options is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback =
                TlsValidation.Create(options.SkipCertificateValidation, options.TrustedCertificateAuthorities);
        }

        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}
