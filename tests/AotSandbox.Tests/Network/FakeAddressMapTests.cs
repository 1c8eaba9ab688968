using System.Net;
using AotSandbox.Emulator.Network;

namespace AotSandbox.Tests.Network;

/// <summary>Issue 12 item 8: the per-sandbox name map is bounded and keeps answering (least recently used forgotten).</summary>
public class FakeAddressMapTests
{
    [Fact]
    public void AtCapacity_LeastRecentNameIsForgotten_AndItsAddressReused()
    {
        var map = new FakeAddressMap(capacity: 3);
        byte[] a = map.AddressFor("a.test");
        byte[] b = map.AddressFor("b.test");
        map.AddressFor("c.test");
        Assert.Equal(a, map.AddressFor("a.test"));      // a is now the most recent; b the least
        byte[] d = map.AddressFor("d.test");
        Assert.Equal(3, map.Count);
        Assert.Equal(b, d);
        Assert.Equal("d.test", map.NameFor(new IPAddress(b)));
        Assert.Equal("a.test", map.NameFor(new IPAddress(a)));
        Assert.NotEqual(b, map.AddressFor("b.test"));   // b comes back under another address
    }

    [Fact]
    public void TwentyThousandNames_StayWithinCapacity_AddressesStayInTheSyntheticRange()
    {
        var map = new FakeAddressMap(capacity: 2048);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] address = map.AddressFor($"n{i}.test");
            Assert.True(FakeAddressMap.IsFake(new IPAddress(address)));
        }
        Assert.Equal(2048, map.Count);
        Assert.Equal("n19999.test", map.NameFor(new IPAddress(map.AddressFor("n19999.test"))));
    }
}
