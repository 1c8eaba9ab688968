using System.Globalization;
using AotSandbox.Emulator.Sandboxes;

namespace AotSandbox.Emulator.Rest;

/// <summary>Renders <see cref="SandboxView"/>s; the origin is the one the client used (or the configured public one).</summary>
internal sealed class ViewRenderer
{
    /// <summary>The opt-in protocol extensions this server implements (docs/PROTOCOL.md §4).</summary>
    public static readonly string[] Extensions = ["exec.replay", "file.range", "exec.pty", SandboxListExtension, "file.binary"];

    /// <summary>Listing a namespace's sandboxes (docs/PROTOCOL.md §4.6).</summary>
    public const string SandboxListExtension = "sandbox.list";

    private readonly string _previewDomain;
    private readonly int? _previewPort;
    private readonly string[] _extensions;

    /// <param name="previewDomain">DNS suffix of preview URLs.</param>
    /// <param name="previewPort">Port of preview URLs; null: the request's.</param>
    /// <param name="strictProtocol">Advertise no extensions, as the real service does not (docs/PROTOCOL.md §4.4).</param>
    public ViewRenderer(string previewDomain, int? previewPort, bool strictProtocol = false)
    {
        _previewDomain = previewDomain;
        _previewPort = previewPort;
        _extensions = strictProtocol ? [] : Extensions;
    }

    /// <summary>The extensions this server advertises: none in strict mode.</summary>
    public IReadOnlyList<string> Advertised => _extensions;

    /// <summary>UTC with a Z suffix: no '+' that the JSON encoder would escape, and the same form every time.</summary>
    private static string Iso8601(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static readonly Dictionary<int, string> EmptyUrls = [];

    public SandboxView Render(SandboxDescription d, Uri origin, string status, string? token, string? reason)
    {
        string host = origin.IsDefaultPort ? origin.Host : origin.Host + ":" + origin.Port.ToString(CultureInfo.InvariantCulture);
        string wsScheme = origin.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        string managementEndpoint = origin.Scheme + "://" + host;
        int previewPort = _previewPort ?? origin.Port;
        var previewUrls = new Dictionary<string, string>(d.PreviewTokens.Count);
        foreach ((int port, string url) in d.PreviewUrls ?? EmptyUrls)
        {
            previewUrls[port.ToString(CultureInfo.InvariantCulture)] = url + "/";
        }

        foreach ((int port, string previewToken) in d.PreviewUrls is null ? d.PreviewTokens : EmptyUrls)
        {
            previewUrls[port.ToString(CultureInfo.InvariantCulture)] =
                $"http://p{port}-{previewToken}.{_previewDomain}:{previewPort.ToString(CultureInfo.InvariantCulture)}/";
        }

        return new SandboxView
        {
            SandboxId = d.Id,
            Token = token,
            WsEndpoint = $"{wsScheme}://{host}/api/v1/namespaces/{d.Namespace}/sandboxes/{d.Id}/exec",
            Status = status,
            Reason = reason,
            Name = d.Name,
            Size = d.Size,
            Type = d.Type,
            Cluster = d.Cluster,
            Region = d.Region,
            MaxLifetime = d.MaxLifetimeSeconds,
            IdleTimeout = d.IdleTimeoutSeconds,
            PreviewUrls = previewUrls,
            ManagementEndpoint = managementEndpoint,
            CreatedAt = Iso8601(d.CreatedAt),
            ExpiresAt = Iso8601(d.ExpiresAt),
            Extensions = _extensions,
        };
    }
}
