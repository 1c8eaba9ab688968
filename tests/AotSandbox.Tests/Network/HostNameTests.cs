using AotSandbox.Emulator.Network;

namespace AotSandbox.Tests.Network;

/// <summary>Battery P1, P2, P4: one canonical spelling, refusal of ambiguous or oversized names.</summary>
public class HostNameTests
{
    [Theory]
    [InlineData("ALLOWED.TEST", "allowed.test")]
    [InlineData("allowed.test.", "allowed.test")]
    [InlineData("127.1", "127.0.0.1")]
    [InlineData("0x7f.0.0.1", "127.0.0.1")]
    [InlineData("2130706433", "127.0.0.1")]
    [InlineData("017700000001", "127.0.0.1")]
    [InlineData("0177.0.0.1", "127.0.0.1")]
    [InlineData("[2001:DB8::1]", "2001:db8::1")]
    [InlineData("2001:db8:0:0::1", "2001:db8::1")]
    [InlineData("[::ffff:198.51.100.20]", "198.51.100.20")]
    [InlineData("xn--bcher-kva.test", "xn--bcher-kva.test")]
    public void Canonicalize_Spellings_OneForm(string raw, string expected)
    {
        Assert.Equal(expected, HostName.Canonicalize(raw, out _));
    }

    [Theory]
    [InlineData("evil.test\0.allowed.test")]
    [InlineData("evil.test\r\n.allowed.test")]
    [InlineData("a b.test")]
    [InlineData("a\tb.test")]
    [InlineData("bücher.test")]
    [InlineData("allowed.test..")]
    [InlineData("a..test")]
    [InlineData("")]
    [InlineData("1.2.3.999")]
    [InlineData("0x100.0.0.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("[fe80::1%eth0]")]
    [InlineData("a.b:c.test")]
    [InlineData("allowed.test/x")]
    public void Canonicalize_Ambiguous_Refused(string raw)
    {
        Assert.Null(HostName.Canonicalize(raw, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Canonicalize_LabelOver63_Refused()
    {
        Assert.NotNull(HostName.Canonicalize(new string('a', 63) + ".test", out _));
        Assert.Null(HostName.Canonicalize(new string('a', 64) + ".test", out _));
    }

    [Fact]
    public void Canonicalize_NameOver253_Refused()
    {
        string l63 = new('a', 63);
        string ok = $"{l63}.{l63}.{l63}.{new string('b', 61)}";
        Assert.Equal(253, ok.Length);
        Assert.NotNull(HostName.Canonicalize(ok, out _));
        Assert.Null(HostName.Canonicalize("a" + ok, out _));
    }

    [Theory]
    [InlineData("allowed.test:443", "allowed.test", 443)]
    [InlineData("ALLOWED.test.:80", "allowed.test", 80)]
    [InlineData("[2001:db8::1]:8443", "2001:db8::1", 8443)]
    [InlineData("allowed.test", "allowed.test", null)]
    public void Authority_Valid_HostAndPort(string raw, string host, int? port)
    {
        Assert.Equal(host, Authority.TryParse(raw, out int? p, out _));
        Assert.Equal(port, p);
    }

    [Theory]
    [InlineData("allowed.test:443:80")]
    [InlineData("allowed.test@evil.test")]
    [InlineData("user@allowed.test")]
    [InlineData("allowed.test:")]
    [InlineData("allowed.test:0")]
    [InlineData("allowed.test:65536")]
    [InlineData("allowed.test:+80")]
    [InlineData("[2001:db8::1]x")]
    public void Authority_Confusing_Refused(string raw)
    {
        Assert.Null(Authority.TryParse(raw, out _, out _));
    }
}
