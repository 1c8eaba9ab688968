using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

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
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(body, RestJsonContext.Default.CreateSandboxRequest);
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return SendAsync(
            options, HttpMethod.Post, CollectionUrl(credentials.ApiHost, credentials.Namespace), credentials.ApiKey, content,
            "create sandbox", options.HttpTimeout ?? s_createTimeout, cancellationToken);
    }

    public static Task<SandboxResponse> GetAsync(
        SandboxConnectionOptions options, SandboxCredentials credentials, string baseUrl, string sandboxId, CancellationToken cancellationToken)
        => SendAsync(
            options, HttpMethod.Get, ItemUrl(baseUrl, credentials.Namespace, sandboxId), credentials.ApiKey, null,
            "get sandbox status", options.HttpTimeout ?? s_defaultTimeout, cancellationToken);

    /// <summary>One page of the <c>sandbox.list</c> extension (docs/PROTOCOL.md §4.6); the caller interprets the status.</summary>
    public static Task<(int Status, string Body)> ListPageAsync(
        SandboxConnectionOptions options, SandboxCredentials credentials, string baseUrl, int limit, string? cursor, bool includeEnded,
        CancellationToken cancellationToken)
    {
        string url = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{CollectionUrl(baseUrl, credentials.Namespace)}?limit={limit}")
            + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))
            + (includeEnded ? "&all=true" : string.Empty);
        return SendRawAsync(options, HttpMethod.Get, url, credentials.ApiKey, null, options.HttpTimeout ?? s_defaultTimeout, cancellationToken);
    }

    public static Task<SandboxResponse> DeleteAsync(
        SandboxConnectionOptions options, SandboxCredentials credentials, string baseUrl, string sandboxId, CancellationToken cancellationToken)
        => SendAsync(
            options, HttpMethod.Delete, ItemUrl(baseUrl, credentials.Namespace, sandboxId), credentials.ApiKey, null,
            $"destroy sandbox '{sandboxId}'", options.HttpTimeout ?? s_defaultTimeout, cancellationToken);

    private static async Task<SandboxResponse> SendAsync(
        SandboxConnectionOptions options, HttpMethod method, string url, string apiKey, HttpContent? content, string operation,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        (int status, string body) = await SendRawAsync(options, method, url, apiKey, content, timeout, cancellationToken).ConfigureAwait(false);
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
            return JsonSerializer.Deserialize(body, RestJsonContext.Default.SandboxResponse)
                ?? throw new SandboxClientException($"Could not {operation}: the response body is JSON null");
        }
        catch (JsonException ex)
        {
            throw new SandboxClientException($"Could not {operation}: the response is not a JSON object ({ex.Message})", ex);
        }
    }

    /// <summary>One request with the key and a deadline; returns the status and the body text, whatever the status.</summary>
    internal static async Task<(int Status, string Body)> SendRawAsync(
        SandboxConnectionOptions options, HttpMethod method, string url, string apiKey, HttpContent? content,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(apiKey)));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using HttpResponseMessage response = await HttpInvokerCache.For(options).SendAsync(request, deadline.Token).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, body);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new SandboxClientException($"Sandbox API request failed: no response within {timeout.TotalSeconds:0.###} s", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new SandboxClientException($"Sandbox API request failed: {ex.Message}", ex);
        }
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
