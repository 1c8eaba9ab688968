namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Network policy": default-deny egress with an allowlist, optionally narrowed to methods and paths.</summary>
internal static class PolicySample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions
        {
            Name = "policy-sandbox",
            MaxLifetime = TimeSpan.FromMinutes(5),
            Policy = new SandboxPolicy
            {
                Network = NetworkPolicy.Allow(
                    new EgressRule { Host = "httpbin.org", Port = 443 },
                    new EgressRule
                    {
                        Host = "api.github.com",
                        Port = 443,
                        Rules = [new L7Rule { Methods = ["GET"], PathPattern = "/repos/**" }],
                    }),
            },
        });
        Console.WriteLine($"created {sandbox.Id} with a default-deny egress policy");
        await sandbox.DestroyAsync();
    }
}
