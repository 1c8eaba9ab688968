namespace AotSandbox;

/// <summary>
/// The three values every REST call needs, resolved from explicit settings first and the Runtime action environment
/// second. Resolution happens before any network I/O.
/// </summary>
public sealed class SandboxCredentials
{
    /// <summary>Environment variable holding the API host inside a Runtime action.</summary>
    public const string ApiHostVariable = "__OW_API_HOST";

    /// <summary>Environment variable holding the namespace inside a Runtime action.</summary>
    public const string NamespaceVariable = "__OW_NAMESPACE";

    /// <summary>Environment variable holding the API key inside a Runtime action.</summary>
    public const string ApiKeyVariable = "__OW_API_KEY";

    private SandboxCredentials(string apiHost, string @namespace, string apiKey)
    {
        ApiHost = apiHost;
        Namespace = @namespace;
        ApiKey = apiKey;
    }

    /// <summary>The normalized API host: always has a scheme, never a trailing slash.</summary>
    public string ApiHost { get; }

    /// <summary>The Runtime namespace.</summary>
    public string Namespace { get; }

    /// <summary>The Runtime API key.</summary>
    public string ApiKey { get; }

    /// <summary>
    /// Resolves credentials: an explicit non-empty value wins, an empty or missing one falls back to the environment.
    /// </summary>
    /// <param name="apiHost">Explicit API host, or <see langword="null"/>.</param>
    /// <param name="namespace">Explicit namespace, or <see langword="null"/>.</param>
    /// <param name="apiKey">Explicit API key, or <see langword="null"/>.</param>
    /// <returns>The resolved credentials.</returns>
    /// <exception cref="SandboxInitializationException">A value is missing from both places.</exception>
    public static SandboxCredentials Resolve(string? apiHost = null, string? @namespace = null, string? apiKey = null)
    {
        string? host = Pick(apiHost, ApiHostVariable);
        string? ns = Pick(@namespace, NamespaceVariable);
        string? key = Pick(apiKey, ApiKeyVariable);
        if (host is null || ns is null || key is null)
        {
            var missing = new List<string>(3);
            if (host is null)
            {
                missing.Add(nameof(SandboxConnectionOptions.ApiHost));
            }

            if (ns is null)
            {
                missing.Add(nameof(SandboxConnectionOptions.Namespace));
            }

            if (key is null)
            {
                missing.Add(nameof(SandboxConnectionOptions.ApiKey));
            }

            throw new SandboxInitializationException(
                $"Missing required credentials: {string.Join(", ", missing)}. Pass them explicitly or set {ApiHostVariable}, {NamespaceVariable}, {ApiKeyVariable} in the environment.");
        }

        return new SandboxCredentials(HostNormalizer.Normalize(host), ns, key);
    }

    /// <summary>Resolves the credentials of an options object.</summary>
    internal static SandboxCredentials Resolve(SandboxConnectionOptions options)
        => Resolve(options.ApiHost, options.Namespace, options.ApiKey);

    /// <summary>Returns a copy routed to another host (region routing).</summary>
    internal SandboxCredentials WithApiHost(string apiHost) => new(apiHost, Namespace, ApiKey);

    private static string? Pick(string? explicitValue, string variable)
    {
        if (!string.IsNullOrEmpty(explicitValue))
        {
            return explicitValue;
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
    }
}
