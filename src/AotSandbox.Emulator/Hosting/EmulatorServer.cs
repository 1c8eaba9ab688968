using System.Net;
using AotSandbox.Emulator.DataPlane;
using AotSandbox.Emulator.Network;
using AotSandbox.Emulator.Rest;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Sandboxes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AotSandbox.Emulator;

/// <summary>
/// The local Runtime Sandboxes service: REST control plane + WebSocket data plane on Kestrel, backed by real sandboxes.
/// Embeddable (tests, <c>aotsandbox demo</c>) and hosted by <c>aotsandbox serve</c>.
/// <code>
/// await using var server = new EmulatorServer(new EmulatorOptions());
/// Uri baseAddress = await server.StartAsync();
/// // clients use server.ApiHost, server.Namespace, server.ApiKey
/// </code>
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    /// <summary>The size the pool prepares: the default of a create without a size (its tmpfs sizes fix the shape).</summary>
    private const string SandboxPoolTier = "SMALL";

    private readonly EmulatorOptions _options;
    private readonly List<EmulatorTenant> _tenants;
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private ISandboxRuntime? _runtime;
    private SandboxNetworkService? _network;

    /// <summary>The pool Kestrel receives into (for tests).</summary>
    internal ReceiveBlockPool ReceiveBlocks { get; } = new();

    /// <summary>The networking layer (null before start and for runtimes without network namespaces); for tests.</summary>
    internal SandboxNetworkService? Network => _network;

    /// <summary>The pre-warmed sandboxes (null before start and with <see cref="EmulatorOptions.PoolSize"/> 0); for tests and the bench.</summary>
    internal SandboxPool? Pool => _manager?.Pool;
    private int _disposed;
    private SandboxManager? _manager;
    private Task? _sweeper;
    private Uri? _baseAddress;
    private int _state; // 0 new, 1 starting/started, 2 stopped

    /// <summary>Prepares a server; nothing listens or starts until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are inconsistent (the message says which).</exception>
    public EmulatorServer(EmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptions(options);
        _options = options;
        ApiKey = options.ApiKey ?? SecretGenerator.NewApiKey();
        _tenants = [new EmulatorTenant(options.Namespace, ApiKey), .. options.AdditionalTenants];
    }

    /// <summary>The origin the server answers on (e.g. <c>http://127.0.0.1:41234/</c>); available after <see cref="StartAsync"/>.</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("The emulator is not started; call StartAsync first.");

    /// <summary>The value for <c>__OW_API_HOST</c> / <c>apiHost</c>: <see cref="BaseAddress"/> without the trailing slash (clients append <c>/api/v1/...</c>).</summary>
    public string ApiHost => BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>The primary namespace (<c>__OW_NAMESPACE</c>).</summary>
    public string Namespace => _options.Namespace;

    /// <summary>The primary key (<c>__OW_API_KEY</c>), generated when the options had none.</summary>
    public string ApiKey { get; }

    /// <summary>Every namespace/key pair served (the primary one first).</summary>
    public IReadOnlyList<EmulatorTenant> Tenants => _tenants;

    /// <summary>Checks that this machine can run sandboxes; throws with one line saying what to install or change.</summary>
    /// <exception cref="InvalidOperationException">A prerequisite is missing (the message says which).</exception>
    public static void CheckPrerequisites() => CheckPrerequisites(new EmulatorOptions());

    /// <summary>Same as <see cref="CheckPrerequisites()"/> for the runtime these options select.</summary>
    /// <exception cref="InvalidOperationException">A prerequisite is missing (the message says which).</exception>
    public static void CheckPrerequisites(EmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            using var _ = new RuntimeLease(CreateRuntime(options));
        }
        catch (SandboxRuntimeUnavailableException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    /// <summary>
    /// Checks prerequisites, sweeps leftovers of a crashed earlier run, starts listening, and returns the bound origin.
    /// <c>GET /healthz</c> answers 200 from then on.
    /// </summary>
    /// <exception cref="InvalidOperationException">Sandboxes cannot run here, or the server was already started.</exception>
    public async Task<Uri> StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("An EmulatorServer can be started once.");
        }

        try
        {
            _runtime = CreateRuntime(_options);
            await _runtime.SweepLeftoversAsync(cancellationToken).ConfigureAwait(false);
            if (_runtime is BubblewrapRuntime bubblewrap)
            {
                // Built or imported now, with the caller's progress, so the first create does not wait minutes.
                await bubblewrap.ResolveImageAsync(EmulatorImages.ProgressOf(_options.ImageProgress), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SandboxRuntimeUnavailableException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "AotSandbox.Emulator" });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        _options.ConfigureLogging?.Invoke(builder.Logging);

        // Kestrel receives into one pool block at a time; its own blocks are 4 KiB, ours 64 KiB (ReceiveBlockPool: 16x
        // fewer receives per uploaded MiB). The transport's default wait for data before renting a block stays on, so
        // an idle connection holds none.
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(ReceiveBlocks);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Kestrel accepts any number of connections by default; each may hold a receive block and up to
            // MaxRequestBufferSize (1 MiB) of unread input. A root daemon bounds them.
            kestrel.Limits.MaxConcurrentConnections = _options.MaxApiConnections;
            kestrel.Listen(_options.Listen, listen =>
            {
                if (_options.ServerCertificate is { } certificate)
                {
                    // The one listener becomes TLS-only: requests then carry scheme https, so the answers' endpoints
                    // (ViewRenderer) name https:// and wss:// on this same origin without any rewriting.
                    listen.UseHttps(certificate);
                }
            });
        });

        _app = builder.Build();
        ILogger logger = _app.Services.GetService<ILoggerFactory>()?.CreateLogger("AotSandbox.Emulator") ?? NullLogger.Instance;
        var registry = new SandboxRegistry(_options.MaxSandboxes);
        _network = await StartNetworkAsync(_runtime, _options, cancellationToken).ConfigureAwait(false);
        var budget = new HostBudget(
            _options.MaxTotalPids ?? HostCapacity.DefaultPidBudget(HostCapacity.ReadPidMax()),
            _options.MaxTotalMemoryBytes ?? HostCapacity.DefaultMemoryBudget(HostCapacity.ReadMemTotalBytes()),
            _options.MaxSandboxesPerNamespace ?? _options.MaxSandboxes);
        _manager = new SandboxManager(_runtime, registry, _options.Timings, logger, _network) { Budget = budget };
        _manager.StartPool(_options.PoolSize, SandboxPoolTier);

        _app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        _app.MapGet("/healthz", new RequestDelegate(context => RestEndpoints.WriteJsonAsync(
            context,
            _state == 1 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
            new HealthBody { Status = _state == 1 ? "ok" : "stopping", Sandboxes = registry.LiveCount },
            EmulatorJsonContext.Default.HealthBody)));
        new RestEndpoints(_manager, new BasicAuthenticator(_tenants), new ViewRenderer(_options.PreviewDomain, _options.PreviewPort, _options.StrictProtocol), _options.PublicBaseUrl, logger).Map(_app);
        new WebSocketEndpoint(registry, _options.Timings, _options.StrictProtocol, logger).Map(_app);
        _app.MapFallback(new RequestDelegate(context => RestEndpoints.WriteErrorAsync(context, StatusCodes.Status404NotFound,
            "No such endpoint. The API lives under /api/v1/namespaces/{namespace}/sandboxes.")));

        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // E.g. the port is taken: leave nothing running, and let DisposeAsync be a no-op.
            Volatile.Write(ref _state, 2);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
            await _runtime.DisposeAsync().ConfigureAwait(false);
            _runtime = null;
            throw;
        }

        _baseAddress = ResolveBoundAddress(_app);
        _sweeper = new LifetimeSweeper(_manager, _options.Timings.SweepInterval).RunAsync(_stopping.Token);
        EmulatorLog.Listening(logger, _baseAddress, Namespace);
        return _baseAddress;
    }

    /// <summary>Ends every sandbox (their sockets close with 1000), stops listening and releases the runtime.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_manager is not null)
        {
            await _manager.EndAllAsync().ConfigureAwait(false);
        }

        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_sweeper is not null)
        {
            await _sweeper.ConfigureAwait(false);
        }
    }

    /// <summary>Stops (see <see cref="StopAsync"/>) and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        // Idempotent: `await using` after an explicit DisposeAsync must not release things twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        if (_network is not null)
        {
            await _network.DisposeAsync().ConfigureAwait(false);
        }

        if (_runtime is not null)
        {
            await _runtime.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>
    /// Egress proxy, resolver and preview proxy. Only for the real runtime: its sandboxes have network namespaces of their
    /// own (a test runtime without them must never get firewall rules applied to the host's namespace).
    /// </summary>
    private static async Task<SandboxNetworkService?> StartNetworkAsync(ISandboxRuntime runtime, EmulatorOptions options, CancellationToken cancellationToken)
    {
        if (runtime is not BubblewrapRuntime bubblewrap)
        {
            return null;
        }

        var network = new SandboxNetworkOptions
        {
            // Beside the runtime's state, under the instance lock: root-owned, and never in a directory others can write.
            StateDirectory = Path.Combine(bubblewrap.Options.StateRoot, "network"),
            PreviewListen = options.PreviewListen ?? new IPEndPoint(options.Listen.Address, 0),
            EgressAllowPrivateUpstreams = options.EgressAllowPrivateUpstreams,
        };
        foreach (string entry in options.EgressResolve)
        {
            network.EgressResolve.Add(EgressResolveOverride.Parse(entry));
        }

        foreach (string file in options.EgressTrustCaFiles)
        {
            network.EgressTrustCaFiles.Add(file);
        }

        options.ConfigureNetwork?.Invoke(network);
        var service = new SandboxNetworkService(network);
        try
        {
            await service.StartAsync(cancellationToken).ConfigureAwait(false);
            return service;
        }
        catch (SandboxRuntimeUnavailableException e)
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(e.Message, e);
        }
        catch
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static ISandboxRuntime CreateRuntime(EmulatorOptions options)
    {
        ISandboxRuntime runtime = (options.RuntimeFactory ?? DefaultRuntimeFactory.Create)(options);
        try
        {
            runtime.CheckPrerequisites();
            return runtime;
        }
        catch
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    private static Uri ResolveBoundAddress(WebApplication app)
    {
        string? address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            throw new InvalidOperationException("Kestrel reported no bound address.");
        }

        var uri = new Uri(address);
        // Listening on "any" is reachable through loopback from this machine; a wildcard host is not a usable URL.
        if (uri.Host is "0.0.0.0" or "[::]" or "+" or "*")
        {
            uri = new UriBuilder(uri) { Host = IPAddress.Loopback.ToString() }.Uri;
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }

    private static void ValidateOptions(EmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.Listen);
        if (string.IsNullOrWhiteSpace(options.Namespace) || options.Namespace.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("Namespace must be a non-empty path segment.", nameof(options));
        }

        if (options.ApiKey is not null && !options.ApiKey.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("ApiKey must look like 'uuid:secret'.", nameof(options));
        }

        try
        {
            EmulatorInstance.Validate(options.InstanceName);
            _ = Runtime.Image.ImageReference.Parse(options.Image ?? "host");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, nameof(options), e);
        }

        foreach (string entry in options.EgressResolve)
        {
            try
            {
                _ = EgressResolveOverride.Parse(entry);
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"EgressResolve '{entry}': {e.Message} (e.g. api.example.com=127.0.0.1:8443).", nameof(options), e);
            }
        }

        if (options.ServerCertificate is { HasPrivateKey: false })
        {
            throw new ArgumentException("ServerCertificate has no private key: load it with its key (e.g. X509Certificate2.CreateFromPemFile(certFile, keyFile)).", nameof(options));
        }

        if (options.PoolSize < 0)
        {
            throw new ArgumentException("PoolSize must be 0 (no pre-warmed sandboxes) or more.", nameof(options));
        }

        if (options.MaxSandboxes < 1)
        {
            throw new ArgumentException("MaxSandboxes must be at least 1.", nameof(options));
        }

        if (options.MaxTotalPids < 1 || options.MaxTotalMemoryBytes < 1 || options.MaxSandboxesPerNamespace < 1)
        {
            throw new ArgumentException("MaxTotalPids, MaxTotalMemoryBytes and MaxSandboxesPerNamespace must be at least 1 when set.", nameof(options));
        }

        if (options.AdditionalTenants.Any(t => t.Namespace == options.Namespace) ||
            options.AdditionalTenants.GroupBy(t => t.Namespace).Any(g => g.Count() > 1))
        {
            throw new ArgumentException("Each namespace may appear once across Namespace and AdditionalTenants.", nameof(options));
        }
    }

    /// <summary>Disposes a runtime created only to check prerequisites.</summary>
    private readonly struct RuntimeLease(ISandboxRuntime runtime) : IDisposable
    {
        public void Dispose() => runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
