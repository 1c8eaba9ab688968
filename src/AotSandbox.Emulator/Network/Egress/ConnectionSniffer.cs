namespace AotSandbox.Emulator.Network;

/// <summary>What the first bytes of an intercepted connection are.</summary>
internal enum SniffedKind
{
    /// <summary>A TLS ClientHello (name = SNI, may be null).</summary>
    Tls,

    /// <summary>An HTTP/1.x request head (name = Host).</summary>
    Http,

    /// <summary>Anything else, or the client sent nothing (server-speaks-first protocols).</summary>
    Raw,

    /// <summary>TLS or HTTP but malformed/ambiguous: refuse.</summary>
    Invalid,
}

/// <summary>Classifies the prefix of a connection: a pure function of bytes (plus "is more coming").</summary>
internal static class ConnectionSniffer
{
    /// <summary>Classifies <paramref name="prefix"/>; returns null when more bytes are needed to decide.</summary>
    public static (SniffedKind Kind, string? RawName, string? Error)? Classify(ReadOnlySpan<byte> prefix)
    {
        if (prefix.IsEmpty)
        {
            return null;
        }

        switch (ClientHelloParser.Parse(prefix, out string? sni))
        {
            case ClientHelloStatus.Complete: return (SniffedKind.Tls, sni, null);
            case ClientHelloStatus.Incomplete: return null;
            case ClientHelloStatus.Invalid: return (SniffedKind.Invalid, null, "malformed TLS ClientHello");
            case ClientHelloStatus.NotTls: break;
        }
        if (!LooksLikeHttp(prefix))
        {
            return (SniffedKind.Raw, null, null);
        }

        switch (HttpHeadParser.ParseRequest(prefix, out HttpHead? head, out string? error))
        {
            case HttpParseStatus.Incomplete: return null;
            case HttpParseStatus.Invalid: return (SniffedKind.Invalid, null, error);
        }
        if (head!.Count("Host") != 1)
        {
            return (SniffedKind.Invalid, null, "exactly one Host header is required");
        }

        return (SniffedKind.Http, head.Get("Host"), null);
    }

    /// <summary>An upper-case token then a space within the first 16 bytes: what every HTTP/1 request starts with.</summary>
    private static bool LooksLikeHttp(ReadOnlySpan<byte> prefix)
    {
        int limit = Math.Min(prefix.Length, 16);
        for (int i = 0; i < limit; i++)
        {
            byte b = prefix[i];
            if (b == (byte)' ')
            {
                return i > 0;
            }

            if (b is < (byte)'A' or > (byte)'Z')
            {
                return false;
            }
        }
        return prefix.Length < 16;
    }
}
