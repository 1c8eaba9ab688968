namespace AotSandbox.Native.Interop;

/// <summary>The two endings of every export: success, or a caught exception turned into a status plus an optional error object.</summary>
internal static unsafe class Calls
{
    public static int Ok(nint* outError)
    {
        if (outError != null)
        {
            *outError = 0;
        }

        return (int)Status.Ok;
    }

    /// <summary>Never throws: this runs inside the catch-all of an export, where a throw would kill the host process.</summary>
    public static int Fail(Exception exception, nint* outError)
    {
        Status status = StatusMapper.From(exception);
        if (outError != null)
        {
            try
            {
                *outError = Handles.New(new ErrorObject(status, Describe(exception)));
            }
            catch (Exception)
            {
                *outError = 0;
            }
        }

        return (int)status;
    }

    private static string Describe(Exception exception)
    {
        // The SDK's own messages are written for users; anything else is a bug worth its type name in the report.
        string message = exception is SandboxException or NativeCallException or OperationCanceledException
            ? exception.Message
            : exception.GetType().Name + ": " + exception.Message;
        return message.Length == 0 ? exception.GetType().Name : message;
    }
}
