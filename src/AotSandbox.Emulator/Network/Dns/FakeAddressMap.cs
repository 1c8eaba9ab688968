using System.Net;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Per-sandbox synthetic addresses (198.18.0.0/15, the benchmarking range, never routed) handed out by the sandbox's
/// resolver for allowed names. Since every TCP connection is redirected anyway the address only has to let the
/// proxy map a raw (non-TLS, non-HTTP) connection back to the name the sandbox looked up.
/// <para>
/// Bounded per sandbox (issue 12 item 8: under a wildcard or allow-all policy a sandbox could otherwise park ~65k
/// names of up to 253 characters in host memory): at capacity the least recently resolved name is forgotten and its
/// address reused for the new name, so DNS keeps answering. The only cost falls on the sandbox itself: a raw TCP
/// connection to a forgotten name's address is decided as the name that now holds it (also an allowed one), or
/// refused. TLS and HTTP are decided on SNI/Host and never look here.
/// </para>
/// </summary>
internal sealed class FakeAddressMap
{
    private const uint Base = (198u << 24) | (18u << 16);

    private readonly int _capacity;
    private readonly Dictionary<string, LinkedListNode<(string Name, uint Address)>> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, string> _byAddress = [];
    private readonly LinkedList<(string Name, uint Address)> _recent = new();
    private readonly Lock _lock = new();

    /// <summary>A map holding at most <paramref name="capacity"/> names (1..131,000: the /15 minus reserved).</summary>
    public FakeAddressMap(int capacity = 2048)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 131_000);
        _capacity = capacity;
    }

    /// <summary>Names currently mapped.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byName.Count;
            }
        }
    }

    /// <summary>The address for <paramref name="canonicalName"/>, allocating one (evicting the least recent name when full).</summary>
    public byte[] AddressFor(string canonicalName)
    {
        uint a;
        lock (_lock)
        {
            if (_byName.TryGetValue(canonicalName, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                a = node.Value.Address;
            }
            else
            {
                if (_byName.Count < _capacity)
                {
                    a = Base + 1 + (uint)_byName.Count;
                }
                else
                {
                    var oldest = _recent.Last!;
                    _recent.RemoveLast();
                    _byName.Remove(oldest.Value.Name);
                    a = oldest.Value.Address;
                }
                _byName[canonicalName] = _recent.AddFirst((canonicalName, a));
                _byAddress[a] = canonicalName;
            }
        }
        return [(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a];
    }

    /// <summary>The name behind a synthetic address, or null.</summary>
    public string? NameFor(IPAddress address)
    {
        byte[] b = address.GetAddressBytes();
        if (b.Length != 4)
        {
            return null;
        }

        uint a = ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
        lock (_lock)
        {
            return _byAddress.GetValueOrDefault(a);
        }
    }

    /// <summary>True for addresses of the synthetic range.</summary>
    public static bool IsFake(IPAddress address)
    {
        byte[] b = address.GetAddressBytes();
        return b.Length == 4 && b[0] == 198 && b[1] is 18 or 19;
    }
}
