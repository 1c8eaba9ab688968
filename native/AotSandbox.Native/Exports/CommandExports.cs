using System.Runtime.InteropServices;
using AotSandbox.Native.Interop;
using AotSandbox.Native.Objects;

namespace AotSandbox.Native.Exports;

/// <summary>aotsb_command_*: detached commands (start, re-attach by exec id, stdin, kill, wait).</summary>
internal static unsafe class CommandExports
{
    [UnmanagedCallersOnly(EntryPoint = "aotsb_command_start")]
    public static int Start(nint sandbox, byte* command, nuint commandLength, byte* stdin, nuint stdinLength, nint onOutput, nint userData, nint cancel, uint timeoutMs, nint* outCommand, nint* outError)
    {
        OutputCallback? callback = null;
        try
        {
            Out.Require(outCommand, "out_command");
            SandboxObject s = Handles.Get<SandboxObject>(sandbox, "sandbox");
            string text = Utf8Args.NonEmpty(command, commandLength, "command");
            callback = OutputCallback.From(onOutput, userData);
            var options = new DetachedExecOptions
            {
                OnOutput = callback is null ? null : callback.Invoke,
                StdinBytes = Utf8Args.OptionalBytes(stdin, stdinLength, "stdin"),
            };
            DetachedCommand started = Deadline.Run(token => s.Sandbox.StartDetachedAsync(text, options, token), cancel, timeoutMs);
            Out.Handle(outCommand, new CommandObject(started, callback));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            callback?.Disable();
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_command_get")]
    public static int Get(nint sandbox, byte* execId, nuint execIdLength, int replay, nint onOutput, nint userData, nint cancel, uint timeoutMs, nint* outCommand, nint* outError)
    {
        OutputCallback? callback = null;
        try
        {
            Out.Require(outCommand, "out_command");
            SandboxObject s = Handles.Get<SandboxObject>(sandbox, "sandbox");
            string id = Utf8Args.NonEmpty(execId, execIdLength, "exec_id");
            callback = OutputCallback.From(onOutput, userData);
            var options = new GetCommandOptions { OnOutput = callback is null ? null : callback.Invoke, Replay = replay != 0 };
            DetachedCommand found = Deadline.Run(token => s.Sandbox.GetCommandAsync(id, options, token), cancel, timeoutMs);
            Out.Handle(outCommand, new CommandObject(found, callback));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            callback?.Disable();
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_command_exec_id")]
    public static int ExecId(nint command, byte** outId, nuint* outLength, nint* outError)
    {
        try
        {
            Out.Require(outId, "out_id");
            Handles.Get<CommandObject>(command, "command").ExecId.Lend(outId, outLength);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_command_pid")]
    public static int Pid(nint command, long* outPid, nint* outError)
    {
        try
        {
            Out.Require(outPid, "out_pid");
            *outPid = Handles.Get<CommandObject>(command, "command").Command.Pid ?? -1;
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_command_write_stdin")]
    public static int WriteStdin(nint command, byte* data, nuint length, nint cancel, uint timeoutMs, nint* outError)
    {
        try
        {
            CommandObject c = Handles.Get<CommandObject>(command, "command");
            ReadOnlyMemory<byte> bytes = Utf8Args.Bytes(data, length, "data").ToArray();
            Deadline.Run(token => c.Command.WriteStdinAsync(bytes, token), cancel, timeoutMs);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_command_close_stdin")]
    public static int CloseStdin(nint command, nint cancel, uint timeoutMs, nint* outError)
    {
        try
        {
            CommandObject c = Handles.Get<CommandObject>(command, "command");
            Deadline.Run(token => c.Command.CloseStdinAsync(token), cancel, timeoutMs);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_command_kill")]
    public static int Kill(nint command, byte* signal, nuint signalLength, nint cancel, uint timeoutMs, nint* outError)
    {
        try
        {
            CommandObject c = Handles.Get<CommandObject>(command, "command");
            string name = Utf8Args.Optional(signal, signalLength, "signal") ?? "SIGTERM";
            Deadline.Run(token => c.Command.KillAsync(name, token), cancel, timeoutMs);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_command_wait")]
    public static int Wait(nint command, nint cancel, uint timeoutMs, AbiExit* outExit, nint* outError)
    {
        try
        {
            Out.Require(outExit, "out_exit");
            CommandObject c = Handles.Get<CommandObject>(command, "command");
            CommandExit exit = Deadline.Run(token => c.Command.WaitAsync(token), cancel, timeoutMs);
            *outExit = AbiExit.From(exit.ExitCode, exit.Destroyed);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_command_free")]
    public static void Free(nint command) => LibraryExports.Release(command);
}
