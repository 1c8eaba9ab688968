using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using AotSandbox.Rest.Http;

namespace AotSandbox.Rest;

/// <summary>The control-plane calls (create, get, destroy, and the list extension) and their error mapping.</summary>
internal static class SandboxRestClient
{
    private const string ApiPrefix = "/api/v1";
    private static readonly TimeSpan s_createTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(30);

    public static string CollectionUrl(string baseUrl, string @namespace) => $"{baseUrl}{ApiPrefix}/namespaces/{@namespace}/sandboxes";

    public static string ItemUrl(string baseUrl, string @namespace, string sandboxId) => $"{CollectionUrl(baseUrl, @namespace)}/{sandboxId}";

    public static Task<SandboxResponse> CreateAsync(
        SandboxConnectionOptions options, SandboxCredentials credentials, CreateSandboxRequest body, CancellationToken cancellationToken)
    {
        byte[] json = RestJson.WriteCreateRequest(body);
        return SendAsync(
            options, "POST", CollectionUrl(credentials.ApiHost, credentials.Namespace), credentials.ApiKey, json,
            "create sandbox", options.HttpTimeout ?? s_createTimeout, cancellationToken);
    }

    public static Task<SandboxResponse> GetAsync(
        SandboxConnectionOptions options, SandboxCredentials credentials, string baseUrl, string sandboxId, CancellationToken cancellationToken)
        => SendAsync(
            options, "GET", ItemUrl(baseUrl, credentials.Namespace, sandboxId), credentials.ApiKey, null,
            "get sandbox status", options.HttpTimeout ?? s_defaultTimeout, cancellationToken);

    /// <summary>One page of the <c>sandbox.list</c> extension (docs/PROTOCOL.md §4.6); the caller interprets the status.</summary>
    public static async Task<(int Status, string Body)> ListPageAsync(
        SandboxConnectionOptions options, SandboxCredentials credentials, string baseUrl, int limit, string? cursor, bool includeEnded,
        CancellationToken cancellationToken)
    {
        string url = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{CollectionUrl(baseUrl, credentials.Namespace)}?limit={limit}")
            + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))
            + (includeEnded ? "&all=true" : string.Empty);
        HttpResult response = await SendRawAsync(
            options, "GET", url, credentials.ApiKey, null, "list sandboxes", options.HttpTimeout ?? s_defaultTimeout, cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, Encoding.UTF8.GetString(response.Body, 0, response.BodyLength));
    }

    public static Task<SandboxResponse> DeleteAsync(
        SandboxConnectionOptions options, SandboxCredentials credentials, string baseUrl, string sandboxId, CancellationToken cancellationToken)
        => SendAsync(
            options, "DELETE", ItemUrl(baseUrl, credentials.Namespace, sandboxId), credentials.ApiKey, null,
            $"destroy sandbox '{sandboxId}'", options.HttpTimeout ?? s_defaultTimeout, cancellationToken);

    private static async Task<SandboxResponse> SendAsync(
        SandboxConnectionOptions options, string method, string url, string apiKey, byte[]? json, string operation,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        HttpResult response = await SendRawAsync(options, method, url, apiKey, json, operation, timeout, cancellationToken).ConfigureAwait(false);
        int status = response.StatusCode;
        string body = Encoding.UTF8.GetString(response.Body, 0, response.BodyLength);

        if (status is < 200 or > 299)
        {
            throw MapStatus(operation, status, body);
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            // The reference clients fail on an empty 2xx body; nothing is lost by reading it as "no fields" instead.
            return new SandboxResponse();
        }

        try
        {
            return RestJson.ReadResponse(response.Body.AsMemory(0, response.BodyLength))
                ?? throw new SandboxClientException($"Could not {operation}: the response body is JSON null");
        }
        catch (JsonException ex)
        {
            throw new SandboxClientException($"Could not {operation}: the response is not a JSON object ({ex.Message})", ex);
        }
    }

    /// <summary>
    /// One request with the key and a deadline; returns the response whatever its status, except a redirect, which is
    /// refused: a followed 301/302 turns a POST into a GET, and a hop to another host would carry the API key there.
    /// </summary>
    private static async Task<HttpResult> SendRawAsync(
        SandboxConnectionOptions options, string method, string url, string apiKey, byte[]? json, string operation,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        string authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(apiKey));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);

        HttpResult response;
        try
        {
            response = await RestHttpClient.SendAsync(method, new Uri(url), authorization, json, options, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new SandboxClientException($"Sandbox API request failed: no response within {timeout.TotalSeconds:0.###} s", ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or ArgumentException or UriFormatException)
        {
            string hint = ex is AuthenticationException ? " If the server uses a private CA, add it to TrustedCertificateAuthorities." : "";
            throw new SandboxClientException($"Sandbox API request failed: {ex.Message}{hint}", ex);
        }

        int status = response.StatusCode;
        if (status is >= 300 and <= 399)
        {
            // The message says where to point the SDK instead.
            string where = string.IsNullOrEmpty(response.Location) ? "" : $" to {response.Location}";
            SandboxException redirect = new SandboxClientException(
                $"Could not {operation}: the API answered {status} (redirect{where}); the SDK does not follow redirects, set ApiHost to the address that serves the API");
            redirect.StatusCode = status;
            throw redirect;
        }

        return response;
    }

    /// <summary>401/403 → unauthorized, 404 → not found, 429 → capacity, 504 → timeout, other → client error; the body text is appended.</summary>
    internal static SandboxException MapStatus(string operation, int status, string body)
    {
        string message = body.Length == 0 ? $"Could not {operation}: {status}" : $"Could not {operation}: {status} {body}";
        SandboxException error = status switch
        {
            401 or 403 => new SandboxUnauthorizedException(message),
            404 => new SandboxNotFoundException(message),
            429 => new SandboxCapacityException(message),
            504 => new SandboxTimeoutException(message),
            _ => new SandboxClientException(message),
        };
        error.StatusCode = status;
        return error;
    }
}
