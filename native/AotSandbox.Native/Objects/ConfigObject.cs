using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.Native.Objects;

/// <summary>The mutable <c>aotsb_config_t</c> builder; <see cref="ClientObject"/> snapshots it.</summary>
internal sealed class ConfigObject
{
    public string? ApiHost { get; set; }

    public string? Namespace { get; set; }

    public string? ApiKey { get; set; }

    public bool SkipTlsVerify { get; set; }

    public X509Certificate2Collection? TrustedCas { get; set; }

    public uint HttpTimeoutMs { get; set; }

    public uint ConnectTimeoutMs { get; set; }
}
