using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace AotSandbox.Session;

/// <summary>Throw sites kept out of line so the methods that call them stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowNotConnected(string sandboxId) => throw SandboxSession.NotConnected(sandboxId);
}
