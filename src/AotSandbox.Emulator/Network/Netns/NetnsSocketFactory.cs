using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Creates sockets that belong to another network namespace. A socket lives in the namespace of the thread that
/// called socket(2), whatever thread uses it later; so one dedicated OS thread switches (setns) into the target
/// namespace, creates the socket, and switches back. No other code ever runs on that thread, so a failed switch
/// back cannot leak into the rest of the process: the thread stops and refuses further work.
/// </summary>
internal sealed partial class NetnsSocketFactory : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<Request> _requests = new(boundedCapacity: 1024);
    private readonly Thread _thread;
    private volatile bool _broken;

    /// <summary>Starts the worker thread.</summary>
    public NetnsSocketFactory()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "aotsandbox-netns-sockets" };
        _thread.Start();
    }

    /// <summary>Opens a namespace file (e.g. <c>/run/netns/aotsb-x</c>) to pass to <see cref="CreateAsync"/>.</summary>
    public static SafeFileHandle OpenNamespace(string path) => File.OpenHandle(path, FileMode.Open, FileAccess.Read);

    /// <summary>Creates a socket inside the namespace <paramref name="netns"/> (null = this process's own namespace).</summary>
    public Task<Socket> CreateAsync(SafeFileHandle? netns, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        if (netns is null)
        {
            return Task.FromResult(new Socket(family, type, protocol));
        }

        var request = new Request(netns, family, type, protocol);
        if (_broken || !_requests.TryAdd(request, TimeSpan.FromSeconds(5)))
        {
            throw new InvalidOperationException("network namespace socket factory unavailable");
        }

        return request.Completion.Task;
    }

    /// <summary>Stops the worker.</summary>
    public void Dispose()
    {
        _requests.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
        _requests.Dispose();
    }

    private void Run()
    {
        using SafeFileHandle home = File.OpenHandle("/proc/thread-self/ns/net", FileMode.Open, FileAccess.Read);
        foreach (Request r in _requests.GetConsumingEnumerable())
        {
            if (_broken) { r.Completion.TrySetException(new InvalidOperationException("network namespace socket factory broken")); continue; }
            bool entered = false;
            try
            {
                if (SetNs(r.Netns, CloneNewNet) != 0)
                {
                    throw new IOException($"setns into network namespace failed (errno {Marshal.GetLastPInvokeError()})");
                }

                entered = true;
                var socket = new Socket(r.Family, r.Type, r.Protocol);
                r.Completion.TrySetResult(socket);
            }
            catch (Exception ex)
            {
                // Anything (a namespace handle disposed by a concurrent detach, fd exhaustion) fails only this
                // request; the thread must survive and, above all, get back to its own namespace.
                r.Completion.TrySetException(ex);
            }
            finally
            {
                if (entered && SetNs(home, CloneNewNet) != 0)
                {
                    _broken = true;
                }
            }
        }
    }

    private static int SetNs(SafeFileHandle fd, int nstype)
    {
        bool added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            return setns((int)fd.DangerousGetHandle(), nstype);
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    private sealed record Request(SafeFileHandle Netns, AddressFamily Family, SocketType Type, ProtocolType Protocol)
    {
        public TaskCompletionSource<Socket> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
