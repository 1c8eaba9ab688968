namespace AotSandbox;

/// <summary>An HTTP-level allow rule: these methods on paths matching the pattern.</summary>
public sealed class L7Rule
{
    /// <summary>Allowed HTTP methods, e.g. <c>GET</c>, <c>POST</c>.</summary>
    public required IReadOnlyList<string> Methods { get; init; }

    /// <summary>Path pattern, e.g. <c>/repos/**</c>.</summary>
    public required string PathPattern { get; init; }
}
