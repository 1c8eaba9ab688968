namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Get a sandbox": status without a data-plane session.</summary>
internal static class GetSample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = "my-sandbox" });
        Sandbox found = await Sandbox.GetAsync(sandbox.Id);
        Console.WriteLine($"status: {found.Status}");
        await sandbox.DestroyAsync();
    }
}
