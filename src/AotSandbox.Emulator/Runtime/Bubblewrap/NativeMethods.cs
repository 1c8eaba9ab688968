using System.Runtime.InteropServices;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>The few libc calls the runtime needs that .NET does not expose (source-generated, AOT-safe).</summary>
internal static partial class NativeMethods
{
    public const int SIGKILL = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>fcntl with one int argument (F_SETPIPE_SZ); variadic in C, which the x86-64/arm64 ABIs pass like this.</summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(SafeHandle fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();
}
