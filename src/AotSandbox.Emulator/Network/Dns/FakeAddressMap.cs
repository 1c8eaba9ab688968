using System.Net;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Per-sandbox synthetic addresses (198.18.0.0/15, the benchmarking range, never routed) handed out by the sandbox's
/// resolver for allowed names. Since every TCP connection is redirected anyway the address only has to let the
/// proxy map a raw (non-TLS, non-HTTP) connection back to the name the sandbox looked up. Bounded.
/// </summary>
internal sealed class FakeAddressMap
{
    private const int Capacity = 65_000;
    private const uint Base = (198u << 24) | (18u << 16);

    private readonly Dictionary<string, uint> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, string> _byAddress = [];
    private readonly Lock _lock = new();

    /// <summary>The address for <paramref name="canonicalName"/>, allocating one; null when the table is full.</summary>
    public byte[]? AddressFor(string canonicalName)
    {
        lock (_lock)
        {
            if (!_byName.TryGetValue(canonicalName, out uint a))
            {
                if (_byName.Count >= Capacity) return null;
                a = Base + 1 + (uint)_byName.Count;
                _byName[canonicalName] = a;
                _byAddress[a] = canonicalName;
            }
            return [(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a];
        }
    }

    /// <summary>The name behind a synthetic address, or null.</summary>
    public string? NameFor(IPAddress address)
    {
        byte[] b = address.GetAddressBytes();
        if (b.Length != 4) return null;
        uint a = ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
        lock (_lock) return _byAddress.GetValueOrDefault(a);
    }

    /// <summary>True for addresses of the synthetic range.</summary>
    public static bool IsFake(IPAddress address)
    {
        byte[] b = address.GetAddressBytes();
        return b.Length == 4 && b[0] == 198 && b[1] is 18 or 19;
    }
}
