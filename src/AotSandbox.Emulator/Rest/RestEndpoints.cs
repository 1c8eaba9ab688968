using System.Text.Json.Serialization.Metadata;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Sandboxes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Emulator.Rest;

/// <summary>
/// The control plane: create, get and destroy, at the plural paths and the legacy singular ones
/// (docs/PROTOCOL.md §2.3). Every response, errors included, is a JSON object.
/// </summary>
internal sealed partial class RestEndpoints
{
    /// <summary>One body for "missing" and "not yours" (docs/SECURITY-MODEL.md T2: responses must not tell them apart).</summary>
    private const string NotFoundMessage = "No sandbox with this id exists in this namespace (it may have ended more than an hour ago).";

    private readonly SandboxManager _manager;
    private readonly BasicAuthenticator _authenticator;
    private readonly ViewRenderer _renderer;
    private readonly Uri? _publicBaseUrl;
    private readonly ILogger _logger;

    public RestEndpoints(SandboxManager manager, BasicAuthenticator authenticator, ViewRenderer renderer, Uri? publicBaseUrl, ILogger logger)
    {
        _manager = manager;
        _authenticator = authenticator;
        _renderer = renderer;
        _publicBaseUrl = publicBaseUrl;
        _logger = logger;
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        foreach (string collection in (string[])["sandboxes", "sandbox"])
        {
            routes.MapPost($"/api/v1/namespaces/{{ns}}/{collection}", new RequestDelegate(CreateAsync));
            routes.MapGet($"/api/v1/namespaces/{{ns}}/{collection}/{{id}}", new RequestDelegate(GetAsync));
            routes.MapDelete($"/api/v1/namespaces/{{ns}}/{collection}/{{id}}", new RequestDelegate(DestroyAsync));
        }

        MapList(routes);
    }

    private async Task CreateAsync(HttpContext context)
    {
        string ns = (string)context.Request.RouteValues["ns"]!;
        if (!Authorize(context, ns, out string? keyNamespace))
        {
            await WriteUnauthorizedOrForbiddenAsync(context, keyNamespace, ns).ConfigureAwait(false);
            return;
        }

        byte[]? body = await ReadBodyAsync(context.Request, CreateSandboxRequestParser.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"The create body is larger than {CreateSandboxRequestParser.MaxBodyBytes / 1024} KiB; send fewer envs or a smaller policy.").ConfigureAwait(false);
            return;
        }

        if (!CreateSandboxRequestParser.TryParse(body, out CreateSandboxRequest? request, out string? error))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, error!).ConfigureAwait(false);
            return;
        }

        // Everything the answer needs is checked before the sandbox exists: a create must never fail after it.
        if (TryOrigin(context) is not { } origin)
        {
            await WriteBadHostAsync(context).ConfigureAwait(false);
            return;
        }

        (EmulatedSandbox Sandbox, string Token)? created;
        try
        {
            created = await _manager.CreateAsync(ns, request!, context.RequestAborted).ConfigureAwait(false);
        }
        catch (AdmissionRefusedException e)
        {
            await WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, e.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is SandboxRuntimeException or SandboxRuntimeUnavailableException)
        {
            EmulatorLog.CreateFailed(_logger, e.Message);
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "Could not start the sandbox: " + e.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Still a JSON body (clients parse every body); the log has the details.
            EmulatorLog.CreateFailed(_logger, e.ToString());
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "Could not start the sandbox (internal error: " + e.GetType().Name + "); see the emulator log.").ConfigureAwait(false);
            return;
        }

        if (created is not { } ok)
        {
            await WriteErrorAsync(context, StatusCodes.Status429TooManyRequests,
                "This emulator already runs its maximum number of sandboxes; destroy one (DELETE) or raise MaxSandboxes.").ConfigureAwait(false);
            return;
        }

        // A client that gave up meanwhile (its timeout under load, a cancelled job) never learns the id or the token:
        // nobody could use or destroy this sandbox, so it is ended here rather than left holding a slot until idleTimeout.
        const string Abandoned = "the create request was abandoned by the client before it was answered";
        if (context.RequestAborted.IsCancellationRequested)
        {
            await _manager.EndAsync(ok.Sandbox, SandboxStatus.Destroyed, Abandoned).ConfigureAwait(false);
            return;
        }

        try
        {
            SandboxView view = _renderer.Render(ok.Sandbox.Description, origin, SandboxStatus.Ready, ok.Token, null);
            await WriteJsonAsync(context, StatusCodes.Status200OK, view, EmulatorJsonContext.Default.SandboxView).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The client never got the token (it hung up, or the answer could not be rendered): the same reasoning.
            bool abandoned = e is OperationCanceledException or IOException;
            await _manager.EndAsync(ok.Sandbox, abandoned ? SandboxStatus.Destroyed : SandboxStatus.Failed,
                abandoned ? Abandoned : "the create response could not be delivered").ConfigureAwait(false);
            throw;
        }
    }

    private async Task GetAsync(HttpContext context)
    {
        string ns = (string)context.Request.RouteValues["ns"]!;
        string id = (string)context.Request.RouteValues["id"]!;
        if (!Authorize(context, ns, out string? keyNamespace))
        {
            await WriteUnauthorizedOrNotFoundAsync(context, keyNamespace).ConfigureAwait(false);
            return;
        }

        if (TryOrigin(context) is not { } origin)
        {
            await WriteBadHostAsync(context).ConfigureAwait(false);
        }
        else if (_manager.Registry.Find(ns, id) is { } sandbox)
        {
            sandbox.Touch();
            SandboxView live = _renderer.Render(sandbox.Description, origin, SandboxStatus.Running, null, null);
            await WriteJsonAsync(context, StatusCodes.Status200OK, live, EmulatorJsonContext.Default.SandboxView).ConfigureAwait(false);
        }
        else if (_manager.Registry.FindTombstone(ns, id) is { } tombstone)
        {
            SandboxView ended = _renderer.Render(tombstone.Description, origin, tombstone.Status, null, tombstone.Reason);
            await WriteJsonAsync(context, StatusCodes.Status200OK, ended, EmulatorJsonContext.Default.SandboxView).ConfigureAwait(false);
        }
        else
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, NotFoundMessage).ConfigureAwait(false);
        }
    }

    private async Task DestroyAsync(HttpContext context)
    {
        string ns = (string)context.Request.RouteValues["ns"]!;
        string id = (string)context.Request.RouteValues["id"]!;
        if (!Authorize(context, ns, out string? keyNamespace))
        {
            await WriteUnauthorizedOrNotFoundAsync(context, keyNamespace).ConfigureAwait(false);
            return;
        }

        string status;
        if (_manager.Registry.Find(ns, id) is { } sandbox)
        {
            await _manager.EndAsync(sandbox, SandboxStatus.Destroyed, "destroyed by DELETE").ConfigureAwait(false);
            status = SandboxStatus.Destroyed;
        }
        else if (_manager.Registry.FindTombstone(ns, id) is { } tombstone)
        {
            // Idempotent: destroying an ended sandbox reports how it ended.
            status = tombstone.Status;
        }
        else
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, NotFoundMessage).ConfigureAwait(false);
            return;
        }

        var result = new DestroyResult { SandboxId = id, Status = status };
        await WriteJsonAsync(context, StatusCodes.Status200OK, result, EmulatorJsonContext.Default.DestroyResult).ConfigureAwait(false);
    }

    /// <summary>True when the key is valid and belongs to <paramref name="pathNamespace"/>; <paramref name="keyNamespace"/> is the key's namespace (null for a bad key).</summary>
    private bool Authorize(HttpContext context, string pathNamespace, out string? keyNamespace)
    {
        keyNamespace = _authenticator.Authenticate(context.Request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null);
        return keyNamespace is not null && string.Equals(keyNamespace, pathNamespace, StringComparison.Ordinal);
    }

    private static Task WriteUnauthorizedOrForbiddenAsync(HttpContext context, string? keyNamespace, string pathNamespace) =>
        keyNamespace is null
            ? WriteUnauthorizedAsync(context)
            : WriteErrorAsync(context, StatusCodes.Status403Forbidden,
                $"This API key belongs to namespace '{keyNamespace}', not '{pathNamespace}'; use the key of that namespace or change the path.");

    /// <summary>A valid key on another namespace's path learns nothing: the same 404 as a missing sandbox.</summary>
    private static Task WriteUnauthorizedOrNotFoundAsync(HttpContext context, string? keyNamespace) =>
        keyNamespace is null ? WriteUnauthorizedAsync(context) : WriteErrorAsync(context, StatusCodes.Status404NotFound, NotFoundMessage);

    private static Task WriteUnauthorizedAsync(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"aotsandbox\"";
        return WriteErrorAsync(context, StatusCodes.Status401Unauthorized,
            "Missing or wrong API key. Send 'Authorization: Basic base64(<uuid:secret>)' with the key the emulator printed at start.");
    }

    /// <summary>
    /// The origin the answer's endpoints are built on: the configured public URL, else the client's Host. Null when
    /// the Host is missing (HTTP/1.0) or no valid host[:port] (e.g. port 99999).
    /// </summary>
    private Uri? TryOrigin(HttpContext context)
    {
        if (_publicBaseUrl is not null)
        {
            return _publicBaseUrl;
        }

        HostString host = context.Request.Host;
        if (!host.HasValue || host.Port is < 1 or > 65535)
        {
            return null;
        }

        return Uri.TryCreate(context.Request.Scheme + "://" + host.Value, UriKind.Absolute, out Uri? origin)
            && origin.PathAndQuery == "/" && origin.UserInfo.Length == 0 ? origin : null;
    }

    private static Task WriteBadHostAsync(HttpContext context) =>
        WriteErrorAsync(context, StatusCodes.Status400BadRequest,
            $"The Host header '{context.Request.Host.Value}' is missing or not a valid host[:port]; send the address you reach the emulator at (HTTP/1.1 does), or start it with a public base URL.");

    internal static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        WriteJsonAsync(context, status, new ErrorBody { Error = message }, EmulatorJsonContext.Default.ErrorBody);

    internal static Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(value, typeInfo, "application/json; charset=utf-8", context.RequestAborted);
    }

    /// <summary>Reads the whole body, or returns null past <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
