namespace AotSandbox.Native.Interop;

/// <summary>What an <c>aotsb_error_t*</c> points at: a status plus a message, owned by the caller until aotsb_error_free.</summary>
internal sealed class ErrorObject(Status status, string message) : IDisposable
{
    public Status Status { get; } = status;

    public NativeText Message { get; } = NativeText.From(message);

    public void Dispose() => Message.Dispose();
}
