using System.Runtime.InteropServices;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Brings <c>lo</c> up and points the IPv4 default route at it (source 127.0.0.1) over rtnetlink, in the network
/// namespace of the calling thread: run it on a <see cref="NetnsWorker"/> thread inside the sandbox namespace.
/// </summary>
internal static partial class LoopbackNetlink
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRoute = 0;
    private const int MsgDontWait = 0x40;

    private static ReadOnlySpan<byte> Localhost => [127, 0, 0, 1];

    /// <summary>Applies both changes; throws with the kernel's reason when one is refused.</summary>
    public static void Configure()
    {
        RtNetlinkMessages.RequireLittleEndian();
        int fd = socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (fd < 0)
        {
            throw Failure("opening a netlink socket");
        }

        try
        {
            Span<byte> request = stackalloc byte[RtNetlinkMessages.MaxRequestBytes];
            Span<byte> answer = stackalloc byte[1024];
            int length = RtNetlinkMessages.WriteLinkUp(request, 1, RtNetlinkMessages.LoopbackIndex);
            Exchange(fd, request[..length], answer, 1, "setting lo up");
            length = RtNetlinkMessages.WriteDefaultRouteReplace(request, 2, RtNetlinkMessages.LoopbackIndex, Localhost);
            Exchange(fd, request[..length], answer, 2, "adding the default route via lo");
        }
        finally
        {
            _ = close(fd);
        }
    }

    private static unsafe void Exchange(int fd, ReadOnlySpan<byte> request, Span<byte> answer, uint sequence, string what)
    {
        fixed (byte* send = request)
        {
            if (sendto(fd, send, request.Length, 0, null, 0) != request.Length)
            {
                throw Failure(what + " (send)");
            }
        }

        // rtnetlink handles the request inside sendto and queues the acknowledgement before it returns, so the answer
        // is already there: never block the worker on a reply that cannot come.
        int received;
        fixed (byte* receive = answer)
        {
            received = (int)recv(fd, receive, answer.Length, MsgDontWait);
        }

        if (received < 0)
        {
            throw Failure(what + " (no acknowledgement)");
        }

        int errno = RtNetlinkMessages.ReadAck(answer[..received], sequence);
        if (errno != 0)
        {
            throw new IOException($"{what} in the sandbox network namespace failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    private static IOException Failure(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what} in the sandbox network namespace failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static unsafe partial nint sendto(int fd, byte* buffer, nint length, int flags, void* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int close(int fd);
}
