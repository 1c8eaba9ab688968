using AotSandbox.Rest;

namespace AotSandbox;

/// <summary>Listing a namespace's sandboxes: the <c>sandbox.list</c> extension (docs/PROTOCOL.md §4.6).</summary>
public sealed partial class Sandbox
{
    /// <summary>Pages fetched at most by one <see cref="ListAsync"/>: a service that never stops paging cannot loop it forever.</summary>
    internal const int MaxListPages = 1024;

    /// <summary>
    /// Lists the sandboxes of the caller's namespace, oldest first, fetching every page. Needs the service's
    /// <see cref="SandboxExtensionNames.SandboxList"/> extension: since no sandbox is at hand to read
    /// <see cref="Extensions"/> from, the list answer itself must advertise it; an answer that does not, or a 404, 405
    /// or 501, raises <see cref="SandboxExtensionNotSupportedException"/> (Adobe's service and strict-protocol emulators
    /// have no list). Entries carry no session token, and listing does not count as use of a sandbox (it does not
    /// restart idle timers).
    /// </summary>
    /// <param name="options">Whether to include ended sandboxes, the page size, and how to reach the service;
    /// <see cref="SandboxConnectionOptions.ManagementEndpoint"/> routes the requests.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>The sandboxes, oldest first.</returns>
    /// <exception cref="SandboxInitializationException">Credentials are missing (raised before any I/O).</exception>
    /// <exception cref="SandboxExtensionNotSupportedException">The service does not offer listing.</exception>
    /// <exception cref="SandboxUnauthorizedException">The key was refused, or belongs to another namespace.</exception>
    /// <exception cref="SandboxClientException">Another HTTP error, a transport failure, or a malformed answer.</exception>
    public static async Task<IReadOnlyList<SandboxSummary>> ListAsync(SandboxListOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SandboxListOptions();
        if (options.PageSize is < 1 or > SandboxListOptions.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PageSize, $"PageSize must be between 1 and {SandboxListOptions.MaxPageSize}.");
        }

        SandboxCredentials credentials = SandboxCredentials.Resolve(options);
        string baseUrl = string.IsNullOrEmpty(options.ManagementEndpoint) ? credentials.ApiHost : HostNormalizer.Normalize(options.ManagementEndpoint);
        var sandboxes = new List<SandboxSummary>();
        var cursors = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        for (int page = 0; page < MaxListPages; page++)
        {
            (int status, string body) = await SandboxRestClient.ListPageAsync(
                options, credentials, baseUrl, options.PageSize, cursor, options.IncludeEnded, cancellationToken).ConfigureAwait(false);
            bool first = page == 0;
            if (first && status is 404 or 405 or 501)
            {
                throw NotSupported(baseUrl, $"it answered {status} to the list request");
            }

            if (status is < 200 or > 299)
            {
                throw SandboxRestClient.MapStatus("list sandboxes", status, body);
            }

            SandboxListPage parsed = SandboxListParser.Parse(body);
            if (!parsed.Advertised)
            {
                throw NotSupported(baseUrl, $"its answer to the list request does not advertise '{SandboxExtensionNames.SandboxList}'");
            }

            sandboxes.AddRange(parsed.Sandboxes);
            if (parsed.NextCursor is null)
            {
                return sandboxes;
            }

            if (!cursors.Add(parsed.NextCursor))
            {
                throw new SandboxClientException("Could not list sandboxes: the service returned the same nextCursor twice (it would page forever)");
            }

            cursor = parsed.NextCursor;
        }

        throw new SandboxClientException($"Could not list sandboxes: the service was still paging after {MaxListPages} pages; raise PageSize");
    }

    private static SandboxExtensionNotSupportedException NotSupported(string baseUrl, string why) => new(
        $"The service at {baseUrl} cannot list sandboxes ({why}): listing is the optional '{SandboxExtensionNames.SandboxList}' extension, which Adobe's service and strict-protocol emulators do not offer. Keep the ids Sandbox.CreateAsync returns instead.",
        SandboxExtensionNames.SandboxList);
}
