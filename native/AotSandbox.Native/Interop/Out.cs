namespace AotSandbox.Native.Interop;

/// <summary>Checks of C out-parameters; results are written only after the work succeeded, so a failure leaves them untouched.</summary>
internal static unsafe class Out
{
    public static void Require(void* pointer, string name)
    {
        if (pointer == null)
        {
            throw NativeCallException.Argument(name + " is NULL");
        }
    }

    /// <summary>Publishes a new handle; if that fails the object is disposed so nothing leaks.</summary>
    public static void Handle(nint* destination, object target)
    {
        *destination = Handles.New(target);
    }
}
