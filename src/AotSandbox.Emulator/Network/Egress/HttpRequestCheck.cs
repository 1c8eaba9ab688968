namespace AotSandbox.Emulator.Network;

/// <summary>
/// The per-request decision of an L7 entry: one function from (request head, the name the connection was allowed
/// for, the port, the rules) to allow or a denial reason. Called for every request on a connection.
/// </summary>
internal static class HttpRequestCheck
{
    /// <summary>Returns null when allowed, else (status, reason).</summary>
    public static (int Status, string Reason)? Check(HttpHead head, string allowedHost, int port, IReadOnlyList<HttpRule> rules)
    {
        string method = head.Method;
        if (method is "TRACE" or "TRACK")
        {
            return (405, "method " + method + " is never allowed");
        }

        if (method == "CONNECT")
        {
            return (405, "CONNECT inside an inspected connection is refused");
        }

        if (head.Count("Upgrade") > 0 || head.Count("HTTP2-Settings") > 0)
        {
            return (403, "protocol upgrade is not allowed by the egress policy");
        }

        if (head.Count("Host") != 1)
        {
            return (400, "exactly one Host header is required");
        }

        string? host = Authority.TryParse(head.Get("Host"), out int? hostPort, out _);
        if (host is null || !string.Equals(host, allowedHost, StringComparison.Ordinal) || (hostPort is int hp && hp != port))
        {
            return (421, "Host does not match the connection's server name");
        }

        if ((method is "GET" or "HEAD") && (head.Chunked || head.ContentLength > 0))
        {
            return (400, "GET/HEAD with a body is refused");
        }

        string? path = HttpPathPolicy.PathForMatching(head.Target, out string? reason);
        if (path is null)
        {
            return (400, reason!);
        }

        foreach (HttpRule rule in rules)
        {
            if (rule.Allows(method, path))
            {
                return null;
            }
        }
        return (403, $"{method} {path} is not allowed by the egress policy for {allowedHost}");
    }
}
