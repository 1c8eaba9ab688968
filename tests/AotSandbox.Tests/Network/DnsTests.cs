using System.Buffers.Binary;
using System.Text;
using AotSandbox.Emulator.Network;

namespace AotSandbox.Tests.Network;

/// <summary>Battery D1 at the resolver level: allowlisted names only, NXDOMAIN otherwise, nothing forwarded.</summary>
public class DnsTests
{
    internal static byte[] Query(string name, ushort type = 1, ushort id = 0x4242)
    {
        var msg = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (string label in name.Split('.'))
        {
            msg.Add((byte)label.Length);
            msg.AddRange(Encoding.Latin1.GetBytes(label));
        }
        msg.AddRange(new byte[] { 0, (byte)(type >> 8), (byte)type, 0, 1 });
        return [.. msg];
    }

    private static readonly EgressPolicy Policy = EgressPolicyParser.Parse("""[{"host":"allowed.test","port":443},{"host":"*.wild.test","port":80}]""");

    [Theory]
    [InlineData("allowed.test")]
    [InlineData("ALLOWED.test")]
    [InlineData("a.wild.test")]
    public void Answer_Allowed_SyntheticA(string name)
    {
        var map = new FakeAddressMap();
        byte[] response = SandboxResolver.Answer(Query(name), Policy, map)!;
        Assert.Equal(0x4242, BinaryPrimitives.ReadUInt16BigEndian(response));
        Assert.Equal(0, response[3] & 0xF);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
        byte[] address = response[^4..];
        Assert.Equal(198, address[0]);
        Assert.Equal(HostName.Canonicalize(name, out _), map.NameFor(new System.Net.IPAddress(address)));
    }

    [Theory]
    [InlineData("secret-data.attacker.test")]
    [InlineData("wild.test")]
    [InlineData("allowed.test.attacker.test")]
    [InlineData("127.0.0.1")]
    public void Answer_NotAllowed_NxDomain(string name)
    {
        byte[] response = SandboxResolver.Answer(Query(name), Policy, new FakeAddressMap())!;
        Assert.Equal(DnsMessage.NxDomain, response[3] & 0xF);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
    }

    [Fact]
    public void Answer_TxtForAllowed_NoData()
    {
        byte[] response = SandboxResolver.Answer(Query("allowed.test", type: 16), Policy, new FakeAddressMap())!;
        Assert.Equal(0, response[3] & 0xF);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
    }

    [Fact]
    public void Parse_CompressionPointerOrGarbage_FormErrOrNothing()
    {
        byte[] q = Query("allowed.test");
        q[12] = 0xC0;
        byte[] response = SandboxResolver.Answer(q, Policy, new FakeAddressMap())!;
        Assert.Equal(DnsMessage.FormErr, response[3] & 0xF);
        Assert.Null(SandboxResolver.Answer(new byte[5], Policy, new FakeAddressMap()));
        var random = new Random(7);
        for (int i = 0; i < 500; i++)
        {
            byte[] junk = new byte[random.Next(0, 80)];
            random.NextBytes(junk);
            _ = SandboxResolver.Answer(junk, Policy, new FakeAddressMap());
        }
    }

    [Theory]
    [InlineData("p8080-0123456789abcdef0123456789abcdef.preview.localhost", 8080)]
    [InlineData("P8080-0123456789ABCDEF0123456789ABCDEF.preview.localhost.:1234", 8080)]
    public void PreviewHost_Valid(string host, int port)
    {
        Assert.Equal(port, PreviewHost.TryParse(host)!.Value.Port);
    }

    [Theory]
    [InlineData("p8080-0123456789abcdef0123456789abcdef.preview.localhost.evil.test")]
    [InlineData("x.p8080-0123456789abcdef0123456789abcdef.preview.localhost")]
    [InlineData("p08080-0123456789abcdef0123456789abcdef.preview.localhost")]
    [InlineData("p8080-0123456789abcdef0123456789abcde.preview.localhost")]
    [InlineData("p70000-0123456789abcdef0123456789abcdef.preview.localhost")]
    [InlineData("p8080-0123456789abcdef0123456789abcdef.preview.localhost@evil.test")]
    public void PreviewHost_Malformed_Null(string host)
    {
        Assert.Null(PreviewHost.TryParse(host));
    }
}
