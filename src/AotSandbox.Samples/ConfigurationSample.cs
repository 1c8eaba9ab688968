namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Configuration": explicit values override the __OW_* environment variables.</summary>
internal static class ConfigurationSample
{
    public static async Task RunAsync()
    {
        // Here the explicit values are read from the environment too, so the sample runs anywhere; in real code they
        // come from wherever your secrets live.
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions
        {
            ApiHost = Environment.GetEnvironmentVariable("__OW_API_HOST"),
            Namespace = Environment.GetEnvironmentVariable("__OW_NAMESPACE"),
            ApiKey = Environment.GetEnvironmentVariable("__OW_API_KEY"),
            Name = "my-sandbox",
        });
        Console.WriteLine($"created {sandbox.Id} in namespace {sandbox.Namespace} at {sandbox.ApiHost}");
        await sandbox.DestroyAsync();
    }
}
