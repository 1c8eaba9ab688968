namespace AotSandbox.Emulator.Network;

/// <summary>
/// The answer policy of a sandbox's resolver: allowed names get a synthetic A record (AAAA and other types get an
/// empty NOERROR so clients fall back to IPv4), every other name NXDOMAIN. Nothing is ever forwarded, so a query
/// cannot carry data out (no DNS tunnel). A pure function of the query bytes and the policy.
/// </summary>
internal static class SandboxResolver
{
    private const uint Ttl = 30;

    /// <summary>The response bytes for <paramref name="query"/>, or null to stay silent (not even a header to answer).</summary>
    public static byte[]? Answer(ReadOnlySpan<byte> query, EgressPolicy policy, FakeAddressMap addresses)
    {
        DnsQuestion? parsed = DnsMessage.ParseQuery(query);
        if (parsed is not DnsQuestion q)
        {
            return DnsMessage.WriteFormErr(query);
        }

        if (q.Class != 1)
        {
            return DnsMessage.WriteResponse(query, q, DnsMessage.Refused, default, 0);
        }

        string? name = HostName.Canonicalize(q.Name, out _);
        if (name is null || HostName.IsIPLiteral(name) || !policy.AllowsName(name))
        {
            return DnsMessage.WriteResponse(query, q, DnsMessage.NxDomain, default, 0);
        }

        if (q.Type != DnsMessage.TypeA)
        {
            return DnsMessage.WriteResponse(query, q, DnsMessage.NoError, default, 0);
        }

        byte[] address = addresses.AddressFor(name);
        return DnsMessage.WriteResponse(query, q, DnsMessage.NoError, address, Ttl);
    }
}
