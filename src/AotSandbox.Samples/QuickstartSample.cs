namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Quickstart": inside a Runtime action credentials come from the environment.</summary>
internal static class QuickstartSample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = "my-sandbox" });
        ExecResult result = await sandbox.Exec("python --version", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        await sandbox.DestroyAsync();
        Console.WriteLine($"stdout: {result.Stdout.Trim()}");
    }
}
