using System.Collections.ObjectModel;
using AotSandbox.Rest;
using AotSandbox.Session;

namespace AotSandbox;

/// <summary>
/// An ephemeral, isolated compute environment in Adobe I/O Runtime. Create one with <see cref="CreateAsync"/>, run
/// commands and read/write files over its WebSocket session, then <see cref="DestroyAsync"/> it.
/// </summary>
/// <remarks>
/// Thread-safe: commands, file operations and re-attaches may run concurrently; they are multiplexed over one
/// connection. Output callbacks run on the connection's receive loop. <see cref="DisposeAsync"/> closes the connection
/// but leaves the sandbox running (it ends at its idle timeout or max lifetime); call <see cref="DestroyAsync"/> to end it.
/// </remarks>
public sealed partial class Sandbox : IAsyncDisposable
{
    /// <summary>The protocol major version this SDK speaks (the <c>/api/v1</c> in every path).</summary>
    public const string ProtocolMajor = "1";

    private readonly SandboxConnectionOptions _options;
    private readonly string? _token;
    private readonly Lock _connectGate = new();
    private readonly SandboxCredentials _credentials;
    private volatile SandboxSession? _session;
    private Task? _connecting;
    private HashSet<string> _extensions;
    private IReadOnlyCollection<string> _extensionsView;

    private Sandbox(SandboxConnectionOptions options, SandboxCredentials credentials, SandboxResponse response, string id, string? token)
    {
        _options = options;
        _credentials = credentials;
        _token = token;
        Id = id;
        _extensions = [];
        _extensionsView = [];
        Apply(response);
    }

    /// <summary>The resource tiers and what each provides.</summary>
    public static IReadOnlyDictionary<SandboxSize, SandboxSizeSpec> Sizes => SandboxSizes.All;

    /// <summary>The sandbox id (e.g. <c>sb-…</c>).</summary>
    public string Id { get; }

    /// <summary>Status from the last create/get response (e.g. <c>ready</c>, <c>running</c>, <c>destroyed</c>).</summary>
    public string? Status { get; private set; }

    /// <summary>Display name, when the service reported one.</summary>
    public string? Name { get; private set; }

    /// <summary>Cluster the sandbox runs in, when reported.</summary>
    public string? Cluster { get; private set; }

    /// <summary>Region the sandbox runs in, when reported.</summary>
    public string? Region { get; private set; }

    /// <summary>Maximum lifetime (1 hour when the service did not report it).</summary>
    public TimeSpan MaxLifetime { get; private set; }

    /// <summary>Idle timeout (15 minutes when the service did not report it).</summary>
    public TimeSpan IdleTimeout { get; private set; }

    /// <summary>Protocol version the service reported, else <see cref="ProtocolMajor"/>.</summary>
    public string ProtocolVersion { get; private set; } = ProtocolMajor;

    /// <summary>Preview URL of each port declared at creation (invalid entries of the response are dropped).</summary>
    public IReadOnlyDictionary<int, string> PreviewUrls { get; private set; } = ReadOnlyDictionary<int, string>.Empty;

    /// <summary>Origin the service named for managing this sandbox (used for DELETE), when it named one.</summary>
    public string? ManagementEndpoint { get; private set; }

    /// <summary>The data-plane URL: <c>wsEndpoint</c> from the create response, else built from the API host.</summary>
    public string WebSocketEndpoint { get; private set; } = string.Empty;

    /// <summary>The API host in use (after normalization and region routing).</summary>
    public string ApiHost => _credentials.ApiHost;

    /// <summary>The Runtime namespace.</summary>
    public string Namespace => _credentials.Namespace;

    /// <summary>Whether the data-plane session is open.</summary>
    public bool IsConnected => _session is { IsOpen: true };

    /// <summary>
    /// Optional protocol extensions the service advertised (see <see cref="SandboxExtensionNames"/>); the SDK uses an
    /// extension only when it is listed here.
    /// </summary>
    public IReadOnlyCollection<string> Extensions => _extensionsView;

    /// <summary>
    /// The data-plane token from create (null for instances from <see cref="GetAsync"/>). A secret: whoever holds it can
    /// run commands in the sandbox. Keep it to reconnect later with <see cref="AttachAsync"/>.
    /// </summary>
    public string? SessionToken => _token;

    /// <summary>
    /// Creates a sandbox and connects its data-plane session. Credentials come from <paramref name="options"/> or the
    /// Runtime environment variables. If the sandbox is created but the connection fails, it is deleted (best effort)
    /// before the connection error is thrown, since no instance reaches the caller.
    /// </summary>
    /// <param name="options">What to create and how to reach the service; defaults throughout when null.</param>
    /// <param name="cancellationToken">Cancels the create request and the connect.</param>
    /// <returns>The connected sandbox.</returns>
    /// <exception cref="SandboxInitializationException">Credentials are missing (raised before any I/O).</exception>
    /// <exception cref="SandboxClientException">Invalid size or region, an HTTP error, or a transport failure.</exception>
    public static async Task<Sandbox> CreateAsync(SandboxCreateOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SandboxCreateOptions();
        SandboxCredentials credentials = SandboxCredentials.Resolve(options);
        CreateSandboxRequest body = BuildCreateRequest(options, ref credentials);

        SandboxResponse response = await SandboxRestClient.CreateAsync(options, credentials, body, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(response.SandboxId) || string.IsNullOrEmpty(response.Token))
        {
            throw new SandboxClientException("Could not create sandbox: the response has no sandboxId or token");
        }

        Sandbox sandbox = FromResponse(options, credentials, response, response.SandboxId, response.Token);
        try
        {
            await sandbox.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DestroyOrphanAsync(sandbox).ConfigureAwait(false);
            throw;
        }

        return sandbox;
    }

    /// <summary>
    /// Looks up an existing sandbox. The returned instance is not connected and has no data-plane token: use it for
    /// status, preview URLs and <see cref="DestroyAsync"/>.
    /// </summary>
    /// <param name="sandboxId">The sandbox id.</param>
    /// <param name="options">How to reach the service; <see cref="SandboxConnectionOptions.ManagementEndpoint"/> routes the GET.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The sandbox as the service describes it.</returns>
    /// <exception cref="SandboxNotFoundException">The sandbox does not exist.</exception>
    public static async Task<Sandbox> GetAsync(string sandboxId, SandboxConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sandboxId);
        options ??= new SandboxConnectionOptions();
        SandboxCredentials credentials = SandboxCredentials.Resolve(options);
        string baseUrl = string.IsNullOrEmpty(options.ManagementEndpoint) ? credentials.ApiHost : HostNormalizer.Normalize(options.ManagementEndpoint);
        SandboxResponse response = await SandboxRestClient.GetAsync(options, credentials, baseUrl, sandboxId, cancellationToken).ConfigureAwait(false);

        var connection = new SandboxConnectionOptions();
        connection.CopyConnectionFrom(options);
        var sandbox = new Sandbox(connection, credentials, response, string.IsNullOrEmpty(response.SandboxId) ? sandboxId : response.SandboxId, token: null);
        sandbox.ManagementEndpoint ??= string.IsNullOrEmpty(options.ManagementEndpoint) ? null : baseUrl;
        return sandbox;
    }

    /// <summary>
    /// The caller never receives an instance when connecting fails, so it could neither use nor destroy the sandbox that
    /// was just created: delete it (best effort) instead of leaving it running until its idle timeout.
    /// </summary>
    /// <summary>
    /// Opens a new data-plane session to an existing sandbox with the session token its creator kept
    /// (<see cref="SessionToken"/>): the way to reach a sandbox from another process or after a dropped connection,
    /// e.g. to re-attach to a detached command with <see cref="GetCommandAsync(string, GetCommandOptions?, CancellationToken)"/>.
    /// Reads the sandbox's state first (a GET), then connects and authenticates.
    /// </summary>
    /// <param name="sandboxId">The sandbox id.</param>
    /// <param name="sessionToken">The token returned when the sandbox was created.</param>
    /// <param name="options">Credentials and connection settings; unset values come from the environment.</param>
    /// <param name="cancellationToken">Cancels the request and the connect.</param>
    /// <returns>A connected sandbox.</returns>
    /// <exception cref="SandboxInitializationException">Credentials are missing.</exception>
    /// <exception cref="SandboxNotFoundException">No such sandbox.</exception>
    /// <exception cref="SandboxUnauthorizedException">The token was refused.</exception>
    public static async Task<Sandbox> AttachAsync(string sandboxId, string sessionToken, SandboxConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sandboxId);
        ArgumentException.ThrowIfNullOrEmpty(sessionToken);
        options ??= new SandboxConnectionOptions();
        SandboxCredentials credentials = SandboxCredentials.Resolve(options);
        string baseUrl = string.IsNullOrEmpty(options.ManagementEndpoint) ? credentials.ApiHost : HostNormalizer.Normalize(options.ManagementEndpoint);
        SandboxResponse response = await SandboxRestClient.GetAsync(options, credentials, baseUrl, sandboxId, cancellationToken).ConfigureAwait(false);
        Sandbox sandbox = FromResponse(options, credentials, response, string.IsNullOrEmpty(response.SandboxId) ? sandboxId : response.SandboxId, sessionToken);
        await sandbox.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return sandbox;
    }

    private static async Task DestroyOrphanAsync(Sandbox sandbox)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await sandbox.DestroyAsync(deadline.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: the connect failure is the error the caller must see.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Builds an instance from a create/get response (the connection settings are copied, not shared).</summary>
    internal static Sandbox FromResponse(SandboxConnectionOptions options, SandboxCredentials credentials, SandboxResponse response, string id, string? token)
    {
        var connection = new SandboxConnectionOptions();
        connection.CopyConnectionFrom(options);
        return new Sandbox(connection, credentials, response, id, token);
    }

    /// <summary>
    /// Opens the data-plane session (authenticating with the token from create). Idempotent: returns at once when
    /// connected, and concurrent callers share one attempt. After an unexpected close, call it again to reconnect.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the shared attempt itself continues for other callers).</param>
    /// <returns>A task that completes when connected.</returns>
    /// <exception cref="SandboxUnauthorizedException">The token was rejected.</exception>
    /// <exception cref="SandboxWebSocketException">The connection could not be opened, or this instance has no token.</exception>
    public Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (IsConnected)
        {
            return Task.CompletedTask;
        }

        lock (_connectGate)
        {
            if (IsConnected)
            {
                return Task.CompletedTask;
            }

            if (_token is null)
            {
                return Task.FromException(new SandboxWebSocketException(
                    $"Sandbox '{Id}' has no data-plane token: only an instance returned by Sandbox.CreateAsync can connect"));
            }

            if (_connecting is null || _connecting.IsCompleted)
            {
                _connecting = ConnectCoreAsync(_token);
            }

            return _connecting.WaitAsync(cancellationToken);
        }
    }

    private async Task ConnectCoreAsync(string token)
    {
        var endpoint = new Uri(WebSocketEndpoint);
        SandboxSession session = await SandboxSession.ConnectAsync(Id, OnSessionEnded, endpoint, token, _options, CancellationToken.None).ConfigureAwait(false);
        _session = session;
    }


    /// <summary>Whether the service advertised the extension (<see cref="SandboxExtensionNames"/>).</summary>
    internal bool HasExtension(string name) => _extensions.Contains(name);

    /// <summary>The open session, or the "not connected" error.</summary>
    internal SandboxSession RequireSession()
    {
        SandboxSession? session = _session;
        if (session is null || !session.IsOpen)
        {
            ThrowHelper.ThrowNotConnected(Id);
        }

        return session;
    }

    private void Apply(SandboxResponse response)
    {
        Status = response.Status;
        Name = response.Name;
        Cluster = response.Cluster;
        Region = response.Region;
        MaxLifetime = PreviewUrlParser.ParseSeconds(response.MaxLifetime, 3600);
        IdleTimeout = PreviewUrlParser.ParseSeconds(response.IdleTimeout, 900);
        ProtocolVersion = string.IsNullOrEmpty(response.ProtocolVersion) ? ProtocolMajor : response.ProtocolVersion;
        PreviewUrls = new ReadOnlyDictionary<int, string>(PreviewUrlParser.Parse(response.PreviewUrls));
        ManagementEndpoint = string.IsNullOrEmpty(response.ManagementEndpoint) ? null : response.ManagementEndpoint;
        WebSocketEndpoint = string.IsNullOrEmpty(response.WsEndpoint)
            ? FallbackWebSocketEndpoint(_credentials.ApiHost, _credentials.Namespace, Id)
            : response.WsEndpoint;
        _extensions = new HashSet<string>(PreviewUrlParser.ParseStrings(response.Extensions), StringComparer.Ordinal);
        _extensionsView = new ReadOnlySet<string>(_extensions);
    }

    /// <summary>
    /// <c>ws(s)://{host[:port]}/api/v1/namespaces/{ns}/sandboxes/{id}/exec</c>: ws for an http host, wss otherwise; any
    /// path or query of the API host is dropped (docs/PROTOCOL.md §3.1).
    /// </summary>
    internal static string FallbackWebSocketEndpoint(string apiHost, string @namespace, string sandboxId)
    {
        var host = new Uri(apiHost);
        string scheme = host.Scheme == Uri.UriSchemeHttp ? "ws" : "wss";
        return $"{scheme}://{host.Authority}/api/v1/namespaces/{@namespace}/sandboxes/{sandboxId}/exec";
    }

    /// <summary>Validates the options (size, region) and builds the exact create body; routes the host for a region.</summary>
    internal static CreateSandboxRequest BuildCreateRequest(SandboxCreateOptions options, ref SandboxCredentials credentials)
    {
        string size = SandboxSizes.Resolve(options.Size, options.SizeSpec);
        string? region = null;
        if (options.Region is not null)
        {
            region = RegionRouting.Validate(options.Region);
            credentials = credentials.WithApiHost(RegionRouting.Route(credentials.ApiHost, region));
        }

        return new CreateSandboxRequest
        {
            Name = options.Name,
            Size = size,
            Type = string.IsNullOrEmpty(options.Type) ? "cpu:default" : options.Type,
            IdleTimeout = (long)options.IdleTimeout.TotalSeconds,
            MaxLifetime = (long)options.MaxLifetime.TotalSeconds,
            Cluster = options.Cluster,
            Region = region,
            Envs = options.Envs is null ? null : new Dictionary<string, string>(options.Envs, StringComparer.Ordinal),
            Policy = options.Policy,
            Ports = options.Ports is null ? null : [.. options.Ports],
        };
    }
}
