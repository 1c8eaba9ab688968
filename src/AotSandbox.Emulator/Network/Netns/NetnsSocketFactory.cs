using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Creates sockets that belong to another network namespace. A socket lives in the namespace of the thread that
/// called socket(2), whatever thread uses it later; so a dedicated <see cref="NetnsWorker"/> thread switches into the
/// target namespace, creates the socket, and switches back.
/// </summary>
internal sealed class NetnsSocketFactory : IDisposable
{
    private readonly NetnsWorker _worker = new("aotsandbox-netns-sockets");

    /// <summary>Opens a namespace file (e.g. <c>/run/netns/aotsb-x</c>) to pass to <see cref="CreateAsync"/>.</summary>
    public static SafeFileHandle OpenNamespace(string path) => File.OpenHandle(path, FileMode.Open, FileAccess.Read);

    /// <summary>Creates a socket inside the namespace <paramref name="netns"/> (null = this process's own namespace).</summary>
    public Task<Socket> CreateAsync(SafeFileHandle? netns, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        if (netns is null)
        {
            return Task.FromResult(new Socket(family, type, protocol));
        }

        try
        {
            return _worker.RunInAsync(netns, () => new Socket(family, type, protocol));
        }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException("network namespace socket factory unavailable");
        }
    }

    /// <summary>Stops the worker.</summary>
    public void Dispose() => _worker.Dispose();
}
