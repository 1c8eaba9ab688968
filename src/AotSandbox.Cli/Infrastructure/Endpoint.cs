using System.CommandLine;

namespace AotSandbox.Cli;

/// <summary>
/// Which service to talk to: <c>--api-host</c>/<c>--namespace</c>/<c>--api-key</c> (on every command), else what
/// `create` recorded for the sandbox, else the Runtime variables <c>__OW_API_HOST</c>/<c>__OW_NAMESPACE</c>/<c>__OW_API_KEY</c>.
/// </summary>
internal static class Endpoint
{
    public static readonly Option<string?> ApiHost = new("--api-host")
    {
        Description = "Service origin (default: the sandbox's recorded host, else $__OW_API_HOST).",
        Recursive = true,
    };

    public static readonly Option<string?> Namespace = new("--namespace")
    {
        Description = "Runtime namespace (default: the sandbox's recorded namespace, else $__OW_NAMESPACE).",
        Recursive = true,
    };

    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "Runtime API key uuid:secret (default: $__OW_API_KEY).",
        Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(ApiHost);
        root.Options.Add(Namespace);
        root.Options.Add(ApiKey);
    }

    /// <summary>Connection options for a sandbox, preferring flags, then its record, then the environment.</summary>
    public static SandboxConnectionOptions For(ParseResult result, SandboxRecord? record) => new()
    {
        ApiHost = result.GetValue(ApiHost) ?? record?.ApiHost,
        Namespace = result.GetValue(Namespace) ?? record?.Namespace,
        ApiKey = result.GetValue(ApiKey),
        ManagementEndpoint = result.GetValue(ApiHost) is null ? record?.ManagementEndpoint : null,
    };

    /// <summary>
    /// A connected sandbox for commands that need the data plane (exec, cp, ...): only possible with the token that
    /// `create` recorded.
    /// </summary>
    public static async Task<Sandbox> AttachAsync(ParseResult result, string sandboxId, CancellationToken cancellationToken)
    {
        SandboxRecord record = SandboxStateStore.TryLoad(sandboxId) ?? throw new CliException(
            $"no session token stored for sandbox '{sandboxId}' (looked in {SandboxStateStore.Directory}): only sandboxes created with `aotsandbox create` by this user can be reached, because the service hands out the token only at creation");
        try
        {
            return await Sandbox.AttachAsync(sandboxId, record.Token, For(result, record), cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxNotFoundException e)
        {
            throw NotFound(sandboxId, e);
        }
    }

    /// <summary>A sandbox read over REST only (status, url, destroy): no token needed.</summary>
    /// <exception cref="CliException">No such sandbox (one line naming it).</exception>
    public static async Task<Sandbox> GetAsync(ParseResult result, string sandboxId, CancellationToken cancellationToken)
    {
        try
        {
            return await Sandbox.GetAsync(sandboxId, For(result, SandboxStateStore.TryLoad(sandboxId)), cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxNotFoundException e)
        {
            throw NotFound(sandboxId, e);
        }
    }

    private static CliException NotFound(string sandboxId, SandboxNotFoundException e) =>
        new($"sandbox '{sandboxId}' not found (no such sandbox in this namespace, or it ended more than an hour ago)", e);
}
