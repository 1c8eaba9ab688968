namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Ports and preview URLs": declared ports get URLs at creation; GetUrl makes no network call.</summary>
internal static class PreviewSample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = "web-sandbox", Ports = [3000, 8080] });

        // Start a server inside the sandbox on the declared port; the exec returns while the server keeps running.
        await sandbox.Exec("python -m http.server 3000 > /dev/null 2>&1 &", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });

        string url = sandbox.GetUrl(3000);
        Console.WriteLine($"preview: {url}");
        try
        {
            sandbox.GetUrl(5000);
        }
        catch (SandboxPortNotProvisionedException e)
        {
            Console.WriteLine($"undeclared port: {e.Message}");
        }

        await sandbox.DestroyAsync();
    }
}
