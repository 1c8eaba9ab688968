using System.Runtime.InteropServices;
using System.Text;

namespace AotSandbox.Native.Interop;

/// <summary>
/// UTF-8 bytes in malloc'd memory with a trailing NUL (so C can use them as C strings), owned by the handle that holds
/// this object and released with it. malloc, not the GC heap, so the address is stable and valgrind sees a leak.
/// </summary>
internal sealed unsafe class NativeText : IDisposable
{
    private NativeText(byte* pointer, int length)
    {
        Pointer = pointer;
        Length = length;
    }

    public byte* Pointer { get; private set; }

    public int Length { get; }

    public static NativeText From(string text) => From(Encoding.UTF8.GetBytes(text));

    public static NativeText From(ReadOnlySpan<byte> bytes)
    {
        byte* p = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        p[bytes.Length] = 0;
        return new NativeText(p, bytes.Length);
    }

    /// <summary>Writes the borrowed view to the out parameters (either may be null).</summary>
    public void Lend(byte** data, nuint* length)
    {
        if (data != null)
        {
            *data = Pointer;
        }

        if (length != null)
        {
            *length = (nuint)Length;
        }
    }

    public void Dispose()
    {
        NativeMemory.Free(Pointer);
        Pointer = null;
    }
}
