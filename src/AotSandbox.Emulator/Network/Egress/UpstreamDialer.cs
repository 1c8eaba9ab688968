using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Resolves an allowed, canonical host itself (operator overrides first, then the host's DNS) and connects. It never
/// uses the address the sandbox dialled, and refuses internal addresses, and every address of the host it dials from
/// (public ones on its interfaces too, where services bound to 0.0.0.0 listen), before connect() unless allowed for tests.
/// Special-use names (.test, .invalid, .localhost, .local, .example) are never sent to the host's DNS.
/// </summary>
internal sealed class UpstreamDialer(SandboxNetworkOptions options, NetnsSocketFactory sockets, SafeFileHandle? upstreamNetns)
{
    private static readonly string[] SpecialUseSuffixes = ["test", "invalid", "localhost", "local", "example", "internal"];

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/>; throws <see cref="EgressDeniedException"/> or <see cref="SocketException"/>.</summary>
    public async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        IPEndPoint target = await ResolveAsync(host, port, cancellationToken).ConfigureAwait(false);
        if (!options.EgressAllowPrivateUpstreams && AddressGuard.IsInternal(target.Address))
        {
            throw new EgressDeniedException($"{host} resolves to an internal address");
        }

        Socket socket = await sockets.CreateAsync(upstreamNetns, target.AddressFamily, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
        try
        {
            if (!options.EgressAllowPrivateUpstreams && AddressGuard.IsLocalTo(socket, target.Address))
            {
                throw new EgressDeniedException($"{host} resolves to an address of this host");
            }

            socket.NoDelay = true;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.HandshakeTimeout);
            await socket.ConnectAsync(target, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<IPEndPoint> ResolveAsync(string host, int port, CancellationToken cancellationToken)
    {
        foreach (EgressResolveOverride o in options.EgressResolve)
        {
            if (string.Equals(o.Name, host, StringComparison.Ordinal))
            {
                return o.Target;
            }
        }
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return new IPEndPoint(literal, port);
        }

        string tld = host[(host.LastIndexOf('.') + 1)..];
        if (!options.EgressSystemDns || SpecialUseSuffixes.Contains(tld))
        {
            throw new EgressDeniedException($"{host} does not resolve");
        }

        IPAddress[] addresses = await Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new EgressDeniedException($"{host} does not resolve");
        }

        foreach (IPAddress a in addresses)
        {
            if (!AddressGuard.IsInternal(a))
            {
                return new IPEndPoint(a, port);
            }
        }
        return new IPEndPoint(addresses[0], port);
    }
}

/// <summary>A connection is refused by policy or by the address guard; the message is the reason shown to the sandbox.</summary>
internal sealed class EgressDeniedException(string message) : Exception(message);
