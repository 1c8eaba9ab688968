using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace AotSandbox.Protocol.WebSocket;

/// <summary>Keeps throw sites out of hot methods so they stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowDestinationTooSmall()
        => throw new ArgumentException("The destination is too small for the frame header.", "destination");
}
