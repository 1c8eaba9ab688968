using System.Security.Cryptography.X509Certificates;
using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// An emulator with real bubblewrap sandboxes serving its API over TLS (<see cref="EmulatorOptions.ServerCertificate"/>),
/// with a certificate from a private CA made for this run. Its own range: uids 701000..701063, cgroup parent and state
/// root <c>aotsb-wss</c>, netns prefix <c>wss-</c>.
/// </summary>
public sealed class TlsEmulatorFixture : IAsyncLifetime
{
    private readonly LoopbackTlsCertificates _certificates = new();

    internal EmulatorServer Server { get; private set; } = null!;

    /// <summary>The CA that signed the server's certificate.</summary>
    internal X509Certificate2 Authority => _certificates.Authority;

    public async Task InitializeAsync()
    {
        var runtimeOptions = new BubblewrapRuntimeOptions
        {
            StateRoot = "/run/aotsb-wss",
            CgroupParent = "aotsb-wss",
            NetnsPrefix = "wss-",
            UidBase = 701000,
            UidCount = 64,
        };
        Server = new EmulatorServer(new EmulatorOptions
        {
            Namespace = "wss-tests",
            PoolSize = 1,
            ServerCertificate = _certificates.Server,
            RuntimeFactory = _ => new BubblewrapRuntime(runtimeOptions),
        });
        await Server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _certificates.Dispose();
    }

    /// <summary>Create options pointed at this emulator, trusting <paramref name="authorities"/> (default: the right CA).</summary>
    public SandboxCreateOptions Create(string name, X509Certificate2Collection? authorities = null) => new()
    {
        ApiHost = Server.ApiHost,
        Namespace = Server.Namespace,
        ApiKey = Server.ApiKey,
        Name = name,
        Size = SandboxSize.Small,
        TrustedCertificateAuthorities = authorities ?? [Authority],
    };

    /// <summary>Connection options pointed at this emulator and trusting its CA.</summary>
    public SandboxConnectionOptions Connection() => new()
    {
        ApiHost = Server.ApiHost,
        Namespace = Server.Namespace,
        ApiKey = Server.ApiKey,
        TrustedCertificateAuthorities = [Authority],
    };
}

[CollectionDefinition(Name)]
public sealed class TlsEmulatorCollection : ICollectionFixture<TlsEmulatorFixture>
{
    public const string Name = "SDK against the emulator over TLS (wss://)";
}
