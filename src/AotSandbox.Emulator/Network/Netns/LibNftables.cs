using System.Runtime.InteropServices;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Applies an nftables ruleset through libnftables (Debian's libnftables1) in this process instead of starting
/// <c>nft</c>. The library talks netlink to the namespace of the thread that runs it, so callers run it on a
/// <see cref="NetnsWorker"/> thread inside the target namespace. Source-generated imports: AOT-safe, and the library
/// is loaded on first use, so a host without it fails with <see cref="MissingMessage"/> rather than at start-up.
/// </summary>
internal static partial class LibNftables
{
    /// <summary>The file name the imports bind to (the ABI-versioned name: no -dev package needed).</summary>
    public const string LibraryName = "libnftables.so.1";

    /// <summary>What to tell the user when the library cannot be loaded.</summary>
    public const string MissingMessage = "libnftables is not installed (the emulator applies each sandbox's firewall through it): run `apt-get install libnftables1`";

    /// <summary>True when the library can be loaded (for the prerequisite check).</summary>
    public static bool IsAvailable()
    {
        if (!NativeLibrary.TryLoad(LibraryName, out IntPtr handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>
    /// Runs <paramref name="commands"/> (nft syntax; one atomic transaction) in the calling thread's network namespace
    /// and returns the library context still open: the caller frees it (<see cref="Context.Dispose"/>) when it can
    /// afford to wait. The transaction is committed when this returns (nft hands the batch to the kernel in one
    /// sendmsg(2), which processes and commits it before returning, and collects any error before this returns), so
    /// the rules are in force; but freeing the context closes its netlink socket, and after a commit the kernel makes
    /// that close wait until the transaction's clean-up ran (nft_rcv_nl_event flushes nf_tables_trans_destroy_work,
    /// which waits for an RCU grace period: 8–14 ms measured on this project's machine, against ≈ 0.5 ms for the rest).
    /// Throws <see cref="InvalidOperationException"/> with nft's own message when the kernel or the parser refuses it;
    /// the context is then freed already.
    /// </summary>
    public static Context RunKeepingContext(string commands)
    {
        IntPtr handle;
        try
        {
            handle = nft_ctx_new(0); // NFT_CTX_DEFAULT
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException(MissingMessage, e);
        }

        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException("libnftables could not create a context (out of memory?)");
        }

        var context = new Context(handle);
        try
        {
            // Buffered: the library must not write to the emulator's own stdout/stderr.
            _ = nft_ctx_buffer_output(handle);
            _ = nft_ctx_buffer_error(handle);
            if (nft_run_cmd_from_buffer(handle, commands) != 0)
            {
                string error = Marshal.PtrToStringUTF8(nft_ctx_get_error_buffer(handle))?.Trim() ?? "";
                throw new InvalidOperationException($"nftables refused the sandbox ruleset: {(error.Length == 0 ? "no message" : error)}");
            }

            return context;
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>An open libnftables context (it owns a netlink socket of the namespace it was created in). Not thread-safe.</summary>
    internal sealed class Context : IDisposable
    {
        private IntPtr _handle;

        internal Context(IntPtr handle) => _handle = handle;

        /// <summary>Frees the context; may block for an RCU grace period after a commit (see <see cref="RunKeepingContext"/>).</summary>
        public void Dispose()
        {
            IntPtr handle = _handle;
            _handle = IntPtr.Zero;
            if (handle != IntPtr.Zero)
            {
                nft_ctx_free(handle);
            }
        }
    }

    [LibraryImport(LibraryName)]
    private static partial IntPtr nft_ctx_new(uint flags);

    [LibraryImport(LibraryName)]
    private static partial void nft_ctx_free(IntPtr context);

    [LibraryImport(LibraryName)]
    private static partial int nft_ctx_buffer_output(IntPtr context);

    [LibraryImport(LibraryName)]
    private static partial int nft_ctx_buffer_error(IntPtr context);

    [LibraryImport(LibraryName)]
    private static partial IntPtr nft_ctx_get_error_buffer(IntPtr context);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int nft_run_cmd_from_buffer(IntPtr context, string buffer);
}
