namespace AotSandbox.Native.Interop;

/// <summary>A failure the export layer itself detects (bad argument, cancel, deadline), carrying its status.</summary>
internal sealed class NativeCallException : Exception
{
    public NativeCallException(Status status, string message)
        : base(message)
    {
        Status = status;
    }

    public NativeCallException()
    {
    }

    public NativeCallException(string message)
        : base(message)
    {
    }

    public NativeCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public Status Status { get; } = Status.Internal;

    public static NativeCallException Argument(string message) => new(Status.InvalidArgument, message);
}
