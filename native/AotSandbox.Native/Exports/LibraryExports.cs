using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AotSandbox.Native.Interop;

namespace AotSandbox.Native.Exports;

/// <summary>Version, status names, errors, cancel tokens and library-allocated buffers.</summary>
internal static unsafe class LibraryExports
{
    /// <summary>Bumped on any incompatible change of include/aotsandbox.h (AOTSB_ABI_VERSION there).</summary>
    private const uint AbiVersion = 1;

    [UnmanagedCallersOnly(EntryPoint = "aotsb_version")]
    public static byte* Version() => Static("0.1.0-alpha.1\0"u8);

    [UnmanagedCallersOnly(EntryPoint = "aotsb_abi_version")]
    public static uint AbiVersionExport() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "aotsb_status_string")]
    public static byte* StatusString(int status) => (Status)status switch
    {
        Status.Ok => Static("AOTSB_OK\0"u8),
        Status.InvalidArgument => Static("AOTSB_ERR_INVALID_ARGUMENT\0"u8),
        Status.Cancelled => Static("AOTSB_ERR_CANCELLED\0"u8),
        Status.Timeout => Static("AOTSB_ERR_TIMEOUT\0"u8),
        Status.Initialization => Static("AOTSB_ERR_INITIALIZATION\0"u8),
        Status.Client => Static("AOTSB_ERR_CLIENT\0"u8),
        Status.NotFound => Static("AOTSB_ERR_NOT_FOUND\0"u8),
        Status.Unauthorized => Static("AOTSB_ERR_UNAUTHORIZED\0"u8),
        Status.WebSocket => Static("AOTSB_ERR_WEBSOCKET\0"u8),
        Status.CommandNotFound => Static("AOTSB_ERR_COMMAND_NOT_FOUND\0"u8),
        Status.InvalidPort => Static("AOTSB_ERR_INVALID_PORT\0"u8),
        Status.PortNotProvisioned => Static("AOTSB_ERR_PORT_NOT_PROVISIONED\0"u8),
        Status.ProtocolVersion => Static("AOTSB_ERR_PROTOCOL_VERSION\0"u8),
        Status.MalformedFrame => Static("AOTSB_ERR_MALFORMED_FRAME\0"u8),
        Status.Sandbox => Static("AOTSB_ERR_SANDBOX\0"u8),
        Status.Internal => Static("AOTSB_ERR_INTERNAL\0"u8),
        _ => Static("AOTSB_ERR_UNKNOWN\0"u8),
    };

    [UnmanagedCallersOnly(EntryPoint = "aotsb_free")]
    public static void Free(void* buffer) => NativeMemory.Free(buffer);

    [UnmanagedCallersOnly(EntryPoint = "aotsb_error_status")]
    public static int ErrorStatus(nint error)
    {
        try
        {
            return (int)Handles.Get<ErrorObject>(error, "error").Status;
        }
        catch (Exception)
        {
            return (int)Status.InvalidArgument;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_error_message")]
    public static byte* ErrorMessage(nint error)
    {
        try
        {
            return Handles.Get<ErrorObject>(error, "error").Message.Pointer;
        }
        catch (Exception)
        {
            return Static("(not an aotsb_error_t)\0"u8);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_error_free")]
    public static void ErrorFree(nint error) => Release(error);

    [UnmanagedCallersOnly(EntryPoint = "aotsb_cancel_new")]
    public static int CancelNew(nint* outCancel, nint* outError)
    {
        try
        {
            Out.Require(outCancel, "out_cancel");
            Out.Handle(outCancel, new CancelSource());
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_cancel_cancel")]
    public static int CancelCancel(nint cancel, nint* outError)
    {
        try
        {
            Handles.Get<CancelSource>(cancel, "cancel").Source.Cancel();
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_cancel_free")]
    public static void CancelFree(nint cancel) => Release(cancel);

    /// <summary>Frees a handle and disposes what it held; never throws (a _free has no way to report).</summary>
    internal static void Release(nint handle)
    {
        try
        {
            (Handles.Free(handle) as IDisposable)?.Dispose();
        }
        catch (Exception)
        {
            // Closing a connection that already failed: nothing the caller could do about it.
        }
    }

    /// <summary>The address of a UTF-8 literal: it lives in the image's read-only data, so it is valid forever.</summary>
    private static byte* Static(ReadOnlySpan<byte> literal) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(literal));
}
