using System.Runtime.InteropServices;
using AotSandbox.Native.Interop;
using AotSandbox.Native.Objects;

namespace AotSandbox.Native.Exports;

/// <summary>aotsb_exec*: foreground commands, blocking (aotsb_exec) or started and driven (stdin, kill, wait).</summary>
internal static unsafe class ExecExports
{
    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec")]
    public static int Exec(nint sandbox, byte* command, nuint commandLength, byte* stdin, nuint stdinLength, nint onOutput, nint userData, nint cancel, uint timeoutMs, nint* outResult, nint* outError)
    {
        OutputCallback? callback = null;
        try
        {
            Out.Require(outResult, "out_result");
            SandboxObject s = Handles.Get<SandboxObject>(sandbox, "sandbox");
            string text = Utf8Args.NonEmpty(command, commandLength, "command");
            CancellationToken token = Handles.Optional<CancelSource>(cancel, "cancel")?.Source.Token ?? CancellationToken.None;
            callback = OutputCallback.From(onOutput, userData);
            OutputCapture? capture = callback is null ? new OutputCapture() : null;
            var options = new ExecOptions
            {
                CaptureOutput = false,
                OnOutput = callback is null ? capture!.Append : callback.Invoke,
                Timeout = timeoutMs == 0 ? null : TimeSpan.FromMilliseconds(timeoutMs),
                CancellationToken = token,
                StdinBytes = Utf8Args.OptionalBytes(stdin, stdinLength, "stdin"),
            };
            ExecResult result = s.Sandbox.Exec(text, options).AsTask().GetAwaiter().GetResult();
            Out.Handle(outResult, new ExecResultObject(result, capture));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
        finally
        {
            // After aotsb_exec returns, the callback is never called again, even if the command outlived a timeout.
            callback?.Disable();
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_start")]
    public static int Start(nint sandbox, byte* command, nuint commandLength, nint onOutput, nint userData, nint* outExec, nint* outError)
    {
        try
        {
            Out.Require(outExec, "out_exec");
            SandboxObject s = Handles.Get<SandboxObject>(sandbox, "sandbox");
            string text = Utf8Args.NonEmpty(command, commandLength, "command");
            OutputCallback? callback = OutputCallback.From(onOutput, userData);
            OutputCapture? capture = callback is null ? new OutputCapture() : null;
            var options = new ExecOptions { CaptureOutput = false, OnOutput = callback is null ? capture!.Append : callback.Invoke };
            ExecTask task = s.Sandbox.Exec(text, options);
            Out.Handle(outExec, new ExecObject(s.Sandbox, task, callback, capture));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_id")]
    public static int Id(nint exec, byte** outId, nuint* outLength, nint* outError)
    {
        try
        {
            Out.Require(outId, "out_id");
            Handles.Get<ExecObject>(exec, "exec").ExecId.Lend(outId, outLength);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_write_stdin")]
    public static int WriteStdin(nint exec, byte* data, nuint length, nint cancel, uint timeoutMs, nint* outError)
    {
        try
        {
            ExecObject x = Handles.Get<ExecObject>(exec, "exec");
            ReadOnlyMemory<byte> bytes = Utf8Args.Bytes(data, length, "data").ToArray();
            Deadline.Run(token => x.Sandbox.WriteStdinAsync(x.Task.ExecId, bytes, token), cancel, timeoutMs);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_close_stdin")]
    public static int CloseStdin(nint exec, nint cancel, uint timeoutMs, nint* outError)
    {
        try
        {
            ExecObject x = Handles.Get<ExecObject>(exec, "exec");
            Deadline.Run(token => x.Sandbox.CloseStdinAsync(x.Task.ExecId, token), cancel, timeoutMs);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_kill")]
    public static int Kill(nint exec, byte* signal, nuint signalLength, nint cancel, uint timeoutMs, nint* outError)
    {
        try
        {
            ExecObject x = Handles.Get<ExecObject>(exec, "exec");
            string name = Utf8Args.Optional(signal, signalLength, "signal") ?? "SIGTERM";
            Deadline.Run(token => x.Sandbox.KillAsync(x.Task.ExecId, name, token), cancel, timeoutMs);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_wait")]
    public static int Wait(nint exec, nint cancel, uint timeoutMs, nint* outResult, nint* outError)
    {
        try
        {
            Out.Require(outResult, "out_result");
            ExecObject x = Handles.Get<ExecObject>(exec, "exec");
            ExecResult result = Deadline.Run(token => x.Task.AsTask().WaitAsync(token), cancel, timeoutMs);
            Out.Handle(outResult, new ExecResultObject(result, x.Capture));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_free")]
    public static void Free(nint exec) => LibraryExports.Release(exec);

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_result_exec_id")]
    public static int ResultExecId(nint result, byte** outId, nuint* outLength, nint* outError)
    {
        try
        {
            Out.Require(outId, "out_id");
            Handles.Get<ExecResultObject>(result, "result").ExecId.Lend(outId, outLength);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_result_stdout")]
    public static int ResultStdout(nint result, byte** outData, nuint* outLength, nint* outError)
    {
        try
        {
            Out.Require(outData, "out_data");
            Out.Require(outLength, "out_len");
            Handles.Get<ExecResultObject>(result, "result").Stdout.Lend(outData, outLength);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_result_stderr")]
    public static int ResultStderr(nint result, byte** outData, nuint* outLength, nint* outError)
    {
        try
        {
            Out.Require(outData, "out_data");
            Out.Require(outLength, "out_len");
            Handles.Get<ExecResultObject>(result, "result").Stderr.Lend(outData, outLength);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_result_exit")]
    public static int ResultExit(nint result, AbiExit* outExit, nint* outError)
    {
        try
        {
            Out.Require(outExit, "out_exit");
            ExecResultObject r = Handles.Get<ExecResultObject>(result, "result");
            *outExit = AbiExit.From(r.ExitCode, r.Destroyed);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_exec_result_free")]
    public static void ResultFree(nint result) => LibraryExports.Release(result);
}
