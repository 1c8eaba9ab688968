using System.Runtime.InteropServices;
using AotSandbox.Native.Interop;
using AotSandbox.Native.Objects;

namespace AotSandbox.Native.Exports;

/// <summary>aotsb_sandbox_*: create / get / attach / destroy / free, and the strings a sandbox lends (id, token, URLs).</summary>
internal static unsafe class SandboxExports
{
    [UnmanagedCallersOnly(EntryPoint = "aotsb_sandbox_create")]
    public static int Create(nint client, nint options, nint cancel, uint timeoutMs, nint* outSandbox, nint* outError)
    {
        try
        {
            Out.Require(outSandbox, "out_sandbox");
            ClientObject c = Handles.Get<ClientObject>(client, "client");
            CreateOptionsObject o = Handles.Optional<CreateOptionsObject>(options, "options") ?? new CreateOptionsObject();
            SandboxCreateOptions sdk = o.ToSdk(c);
            Sandbox sandbox = Deadline.Run(token => Sandbox.CreateAsync(sdk, token), cancel, timeoutMs);
            Out.Handle(outSandbox, new SandboxObject(sandbox));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_sandbox_get")]
    public static int Get(nint client, byte* id, nuint idLength, nint cancel, uint timeoutMs, nint* outSandbox, nint* outError)
    {
        try
        {
            Out.Require(outSandbox, "out_sandbox");
            ClientObject c = Handles.Get<ClientObject>(client, "client");
            string sandboxId = Utf8Args.NonEmpty(id, idLength, "sandbox_id");
            Sandbox sandbox = Deadline.Run(token => Sandbox.GetAsync(sandboxId, c.Connection(), token), cancel, timeoutMs);
            Out.Handle(outSandbox, new SandboxObject(sandbox));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_sandbox_attach")]
    public static int Attach(nint client, byte* id, nuint idLength, byte* sessionToken, nuint tokenLength, nint cancel, uint timeoutMs, nint* outSandbox, nint* outError)
    {
        try
        {
            Out.Require(outSandbox, "out_sandbox");
            ClientObject c = Handles.Get<ClientObject>(client, "client");
            string sandboxId = Utf8Args.NonEmpty(id, idLength, "sandbox_id");
            string token = Utf8Args.NonEmpty(sessionToken, tokenLength, "session_token");
            Sandbox sandbox = Deadline.Run(ct => Sandbox.AttachAsync(sandboxId, token, c.Connection(), ct), cancel, timeoutMs);
            Out.Handle(outSandbox, new SandboxObject(sandbox));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_sandbox_destroy")]
    public static int Destroy(nint sandbox, nint cancel, uint timeoutMs, nint* outError)
    {
        try
        {
            SandboxObject s = Handles.Get<SandboxObject>(sandbox, "sandbox");
            Deadline.Run(token => s.Sandbox.DestroyAsync(token), cancel, timeoutMs);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_sandbox_free")]
    public static void Free(nint sandbox) => LibraryExports.Release(sandbox);

    [UnmanagedCallersOnly(EntryPoint = "aotsb_sandbox_id")]
    public static int Id(nint sandbox, byte** outId, nuint* outLength, nint* outError)
    {
        try
        {
            Out.Require(outId, "out_id");
            Handles.Get<SandboxObject>(sandbox, "sandbox").Id.Lend(outId, outLength);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_sandbox_session_token")]
    public static int SessionToken(nint sandbox, byte** outToken, nuint* outLength, nint* outError)
    {
        try
        {
            Out.Require(outToken, "out_token");
            NativeText? token = Handles.Get<SandboxObject>(sandbox, "sandbox").Token();
            if (token is null)
            {
                *outToken = null;
                if (outLength != null)
                {
                    *outLength = 0;
                }
            }
            else
            {
                token.Lend(outToken, outLength);
            }

            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_sandbox_preview_url")]
    public static int PreviewUrl(nint sandbox, int port, byte** outUrl, nuint* outLength, nint* outError)
    {
        try
        {
            Out.Require(outUrl, "out_url");
            Handles.Get<SandboxObject>(sandbox, "sandbox").Url(port).Lend(outUrl, outLength);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }
}
