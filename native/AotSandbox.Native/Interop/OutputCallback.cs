namespace AotSandbox.Native.Interop;

/// <summary>
/// A C output callback <c>(user_data, stream, data, len)</c> as an SDK <see cref="OutputHandler"/>. The data pointer is
/// borrowed for the duration of the call only. <see cref="Disable"/> (called by the owning handle's _free) waits for a
/// call in flight and guarantees no call after it returns, so C may free user_data right after _free.
/// </summary>
internal sealed unsafe class OutputCallback
{
    private readonly delegate* unmanaged<nint, int, byte*, nuint, void> _function;
    private readonly nint _userData;
    private readonly Lock _gate = new();
    private bool _disabled;

    private OutputCallback(delegate* unmanaged<nint, int, byte*, nuint, void> function, nint userData)
    {
        _function = function;
        _userData = userData;
    }

    public static OutputCallback? From(nint function, nint userData)
        => function == 0 ? null : new OutputCallback((delegate* unmanaged<nint, int, byte*, nuint, void>)function, userData);

    public void Invoke(OutputStream stream, ReadOnlySpan<byte> utf8)
    {
        lock (_gate)
        {
            if (_disabled)
            {
                return;
            }

            fixed (byte* data = utf8)
            {
                _function(_userData, (int)stream, data, (nuint)utf8.Length);
            }
        }
    }

    public void Disable()
    {
        lock (_gate)
        {
            _disabled = true;
        }
    }
}
