namespace AotSandbox.Native.Interop;

/// <summary>
/// Runs an SDK task to completion on the calling thread under the caller's cancel token and timeout, and tells the two
/// apart in the status: AOTSB_ERR_CANCELLED for the token, AOTSB_ERR_TIMEOUT for timeout_ms. Blocking on a task is
/// safe here: a native thread has no synchronization context, and the SDK's continuations run on the thread pool.
/// </summary>
internal static class Deadline
{
    public static void Run(Func<CancellationToken, Task> operation, nint cancel, uint timeoutMs)
        => Run<bool>(async token => { await operation(token).ConfigureAwait(false); return true; }, cancel, timeoutMs);

    public static T Run<T>(Func<CancellationToken, Task<T>> operation, nint cancel, uint timeoutMs)
    {
        CancelSource? user = Handles.Optional<CancelSource>(cancel, "cancel");
        CancellationToken userToken = user?.Source.Token ?? CancellationToken.None;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(userToken);
        if (timeoutMs != 0)
        {
            linked.CancelAfter(TimeSpan.FromMilliseconds(timeoutMs));
        }

        try
        {
            return operation(linked.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (userToken.IsCancellationRequested)
        {
            throw new NativeCallException(Status.Cancelled, "cancelled by the caller's aotsb_cancel_t");
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            throw new NativeCallException(Status.Timeout, "timed out after " + timeoutMs + " ms");
        }
    }
}
