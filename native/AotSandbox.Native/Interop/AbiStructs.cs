using System.Runtime.InteropServices;

namespace AotSandbox.Native.Interop;

/// <summary><c>aotsb_exit_t</c>: 12 bytes, three int32 (no padding), checked by the Rust layout test.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AbiExit
{
    public int ExitCode;
    public int HasExitCode;
    public int Destroyed;

    public static AbiExit From(int? exitCode, bool destroyed) => new()
    {
        ExitCode = exitCode ?? -1,
        HasExitCode = exitCode.HasValue ? 1 : 0,
        Destroyed = destroyed ? 1 : 0,
    };
}

/// <summary><c>aotsb_file_entry_t</c>: 48 bytes on 64-bit; every field naturally aligned, no implicit padding.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct AbiFileEntry
{
    public byte* Name;
    public nuint NameLength;
    public byte* Type;
    public nuint TypeLength;
    public long Size;
    public int IsDirectory;
    public int HasSize;
}
