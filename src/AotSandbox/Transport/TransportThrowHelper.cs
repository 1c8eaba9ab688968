using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace AotSandbox.Transport;

/// <summary>Throw sites kept out of the hot send/receive methods.</summary>
internal static class TransportThrowHelper
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowConcurrentReceive()
        => throw new InvalidOperationException("Only one ReceiveAsync may be outstanding at a time.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowClosed()
        => throw new IOException("The WebSocket connection is closed.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowSendFailed(Exception inner)
        => throw new IOException("Sending on the WebSocket connection failed; the connection is closed.", inner);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowInvalidCloseCode(int closeCode)
        => throw new ArgumentOutOfRangeException(nameof(closeCode), closeCode, "Not a close code that may be sent (1000-1003, 1007-1014, 3000-4999).");
}
