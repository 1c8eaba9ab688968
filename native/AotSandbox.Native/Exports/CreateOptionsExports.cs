using System.Runtime.InteropServices;
using AotSandbox.Native.Interop;
using AotSandbox.Native.Objects;

namespace AotSandbox.Native.Exports;

/// <summary>aotsb_create_options_*: what aotsb_sandbox_create sends.</summary>
internal static unsafe class CreateOptionsExports
{
    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_new")]
    public static int New(nint* outOptions, nint* outError)
    {
        try
        {
            Out.Require(outOptions, "out_options");
            Out.Handle(outOptions, new CreateOptionsObject());
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_free")]
    public static void Free(nint options) => LibraryExports.Release(options);

    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_set_name")]
    public static int SetName(nint options, byte* name, nuint length, nint* outError)
    {
        try
        {
            Handles.Get<CreateOptionsObject>(options, "options").Name = Utf8Args.Optional(name, length, "name");
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_set_type")]
    public static int SetType(nint options, byte* type, nuint length, nint* outError)
    {
        try
        {
            Handles.Get<CreateOptionsObject>(options, "options").Type = Utf8Args.NonEmpty(type, length, "type");
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_set_size")]
    public static int SetSize(nint options, int size, nint* outError)
    {
        try
        {
            CreateOptionsObject target = Handles.Get<CreateOptionsObject>(options, "options");
            target.Size = size is >= 0 and <= 3 ? (SandboxSize)size : throw NativeCallException.Argument("size must be an aotsb_size_t (0..3)");
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_set_idle_timeout")]
    public static int SetIdleTimeout(nint options, uint seconds, nint* outError)
    {
        try
        {
            Handles.Get<CreateOptionsObject>(options, "options").IdleTimeout = TimeSpan.FromSeconds(seconds);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_set_max_lifetime")]
    public static int SetMaxLifetime(nint options, uint seconds, nint* outError)
    {
        try
        {
            Handles.Get<CreateOptionsObject>(options, "options").MaxLifetime = TimeSpan.FromSeconds(seconds);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_add_port")]
    public static int AddPort(nint options, int port, nint* outError)
    {
        try
        {
            CreateOptionsObject target = Handles.Get<CreateOptionsObject>(options, "options");
            if (port is < 1 or > 65535)
            {
                throw new NativeCallException(Status.InvalidPort, "port must be 1..65535");
            }

            target.Ports.Add(port);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_set_env")]
    public static int SetEnv(nint options, byte* name, nuint nameLength, byte* value, nuint valueLength, nint* outError)
    {
        try
        {
            CreateOptionsObject target = Handles.Get<CreateOptionsObject>(options, "options");
            target.Envs[Utf8Args.NonEmpty(name, nameLength, "name")] = Utf8Args.Required(value, valueLength, "value");
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_create_options_set_policy_json")]
    public static int SetPolicyJson(nint options, byte* json, nuint length, nint* outError)
    {
        try
        {
            CreateOptionsObject target = Handles.Get<CreateOptionsObject>(options, "options");
            target.Policy = json == null ? null : PolicyJson.Parse(Utf8Args.Bytes(json, length, "json"));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }
}
