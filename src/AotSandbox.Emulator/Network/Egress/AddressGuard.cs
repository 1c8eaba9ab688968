using System.Net;
using System.Net.Sockets;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Addresses the proxy refuses to dial unless the operator allowed private upstreams: loopback, unspecified,
/// RFC 1918, CGNAT, link-local (incl. 169.254.169.254 metadata), multicast/broadcast, the fake-address range the
/// emulator's DNS hands out, IETF special ranges, and their IPv6 counterparts (ULA, link-local, v4-mapped of those).
/// </summary>
internal static class AddressGuard
{
    /// <summary>
    /// True when <paramref name="address"/> belongs to the network namespace <paramref name="unboundSocket"/> was
    /// created in (the host, in production): any address on any of its interfaces, including public ones a fixed list
    /// cannot know, and their broadcast addresses. Asked of the kernel itself: bind(2) to a non-local address fails
    /// with EADDRNOTAVAIL, so there is no interface list to go stale. The socket must be fresh; after a failed probe it
    /// is still unbound and usable for connect(); after a successful one the caller refuses and disposes it.
    /// (With the <c>ip_nonlocal_bind</c> sysctl on, every bind succeeds: every upstream is refused, i.e. fail closed.)
    /// </summary>
    public static bool IsLocalTo(Socket unboundSocket, IPAddress address)
    {
        try
        {
            unboundSocket.Bind(new IPEndPoint(address, 0));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            return false;
        }
    }

    /// <summary>True when dialling <paramref name="address"/> could reach something internal.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            byte[] b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] is >= 64 and <= 127,
                169 => b[1] == 254,
                172 => b[1] is >= 16 and <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] == 0),
                198 => b[1] is 18 or 19,
                >= 224 => true,
                _ => false,
            };
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal
                || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
            {
                return true;
            }

            byte[] b = address.GetAddressBytes();
            if (b[0] == 0 && b[1] == 0)
            {
                return true; // ::/16 incl. v4-compatible and NAT64-less oddities
            }

            return false;
        }
        return true;
    }
}
