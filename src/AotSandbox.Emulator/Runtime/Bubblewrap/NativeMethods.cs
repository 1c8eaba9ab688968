using System.Runtime.InteropServices;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>The few libc calls the runtime needs that .NET does not expose (source-generated, AOT-safe).</summary>
internal static partial class NativeMethods
{
    public const int SIGKILL = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();
}
