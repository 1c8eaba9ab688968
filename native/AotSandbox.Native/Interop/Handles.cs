using System.Runtime.InteropServices;

namespace AotSandbox.Native.Interop;

/// <summary>
/// Opaque C handles are normal GC handles: the object stays alive until the matching _free, and C never sees a GC
/// pointer. A wrong type behind a handle is reported as an argument error instead of a crash where it can be detected.
/// </summary>
internal static class Handles
{
    public static nint New(object target) => GCHandle.ToIntPtr(GCHandle.Alloc(target));

    public static T Get<T>(nint handle, string name)
        where T : class
    {
        if (handle == 0)
        {
            throw NativeCallException.Argument(name + " is NULL");
        }

        return GCHandle.FromIntPtr(handle).Target as T ?? throw NativeCallException.Argument(name + " is not a " + typeof(T).Name);
    }

    /// <summary>The optional handle's target, or null for a NULL handle.</summary>
    public static T? Optional<T>(nint handle, string name)
        where T : class => handle == 0 ? null : Get<T>(handle, name);

    /// <summary>Releases the handle and returns what it held (null for a NULL handle, which _free accepts).</summary>
    public static object? Free(nint handle)
    {
        if (handle == 0)
        {
            return null;
        }

        GCHandle gc = GCHandle.FromIntPtr(handle);
        object? target = gc.Target;
        gc.Free();
        return target;
    }
}
