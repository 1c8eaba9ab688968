namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Standard input": stdin given at start, and streamed by exec id before the result is awaited.</summary>
internal static class StdinSample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = "my-sandbox" });
        await sandbox.WriteFileAsync("process_csv.py", "import csv, sys\nfor row in csv.DictReader(sys.stdin):\n    print(row)\n");
        ExecResult csv = await sandbox.Exec("python process_csv.py", new ExecOptions
        {
            Stdin = "col1,col2\nval1,val2\n",
            Timeout = TimeSpan.FromSeconds(10),
        });
        Console.WriteLine($"stdout: {csv.Stdout.Trim()}");

        // Streaming stdin.
        ExecTask task = sandbox.Exec("cat -n", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        await sandbox.WriteStdinAsync(task.ExecId, "line 1\n");
        await sandbox.WriteStdinAsync(task.ExecId, "line 2\n");
        await sandbox.CloseStdinAsync(task.ExecId);
        ExecResult numbered = await task;
        Console.WriteLine($"stdout: {numbered.Stdout.Trim()}");
        await sandbox.DestroyAsync();
    }
}
