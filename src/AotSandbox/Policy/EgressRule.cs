namespace AotSandbox;

/// <summary>One allowed outbound endpoint, optionally narrowed to HTTP methods and paths.</summary>
public sealed class EgressRule
{
    /// <summary>Host name; may start with a wildcard such as <c>*.adobe.io</c>.</summary>
    public required string Host { get; init; }

    /// <summary>Destination port.</summary>
    public required int Port { get; init; }

    /// <summary>Transport protocol (<c>TCP</c> or <c>UDP</c>); omitted when <see langword="null"/> (the service assumes TCP).</summary>
    public string? Protocol { get; init; }

    /// <summary>HTTP-level restrictions; when empty, all requests to the endpoint are allowed.</summary>
    public IReadOnlyList<L7Rule>? Rules { get; init; }
}
