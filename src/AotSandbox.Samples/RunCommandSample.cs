namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Run a command": commands run in /workspace; output also streams as it arrives.</summary>
internal static class RunCommandSample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = "my-sandbox" });
        ExecResult result = await sandbox.Exec("ls -al", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        Console.WriteLine($"stdout: {result.Stdout.Trim()}");
        Console.WriteLine($"exit code: {result.ExitCode}");

        // The same, streamed: chunks as they arrive, then the exit code.
        ExecStream stream = sandbox.ExecStreamAsync("for i in 1 2 3; do echo tick $i; sleep 0.1; done");
        await foreach (OutputChunk chunk in stream)
        {
            Console.Write($"[{chunk.Stream}] {chunk.Text}");
        }

        Console.WriteLine($"streamed exit code: {stream.ExitCode}");
        await sandbox.DestroyAsync();
    }
}
