namespace AotSandbox.Native.Interop;

/// <summary>
/// What an <c>aotsb_cancel_t*</c> points at. One token may serve many calls at once; cancelling is permanent, so a
/// caller makes a new token per unit of work it may want to abandon.
/// </summary>
internal sealed class CancelSource : IDisposable
{
    public CancellationTokenSource Source { get; } = new();

    public void Dispose() => Source.Dispose();
}
