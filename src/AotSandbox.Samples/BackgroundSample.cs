using System.Text;

namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Background processes": detached start, re-attach from another connection, kill, wait.</summary>
internal static class BackgroundSample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = "my-sandbox" });
        await sandbox.WriteFileAsync("server.py", "import time\nwhile True:\n    print('serving', flush=True)\n    time.sleep(0.2)\n");

        // Start a background server.
        DetachedCommand handle = await sandbox.StartDetachedAsync("python server.py");
        Console.WriteLine($"started {handle.ExecId} (pid {handle.Pid})");

        // Re-attach by exec id from a different connection (e.g. another process that kept the session token).
        Sandbox other = await Sandbox.AttachAsync(sandbox.Id, sandbox.SessionToken!);
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DetachedCommand attached = await other.GetCommandAsync(handle.ExecId, (stream, utf8) =>
        {
            Console.Write($"re-attached output: {Encoding.UTF8.GetString(utf8)}");
            seen.TrySetResult();
        });
        await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Send a signal to stop it, then wait for it to exit (both handles see the exit).
        await handle.KillAsync();
        CommandExit result = await handle.WaitAsync();
        CommandExit seenElsewhere = await attached.WaitAsync();
        Console.WriteLine($"exit code: {result.ExitCode} (the other connection saw {seenElsewhere.ExitCode})");
        await other.DisposeAsync();
        await sandbox.DestroyAsync();
    }
}
