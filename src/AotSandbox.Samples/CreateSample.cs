namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Create a sandbox": every option.</summary>
internal static class CreateSample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions
        {
            Name = "my-sandbox",
            Type = "cpu:default",
            Size = SandboxSize.Small,
            MaxLifetime = TimeSpan.FromHours(1),
            IdleTimeout = TimeSpan.FromMinutes(15),
            Ports = [3000, 8080],
            Envs = new Dictionary<string, string> { ["API_KEY"] = "your-api-key" },
        });
        ExecResult env = await sandbox.Exec("echo $API_KEY", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        Console.WriteLine($"id: {sandbox.Id}, status: {sandbox.Status}, ports: {string.Join(",", sandbox.PreviewUrls.Keys)}, API_KEY inside: {env.Stdout.Trim()}");
        await sandbox.DestroyAsync();
    }
}
