namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>Create with every option, get, preview URLs, destroy semantics, credentials and error mapping.</summary>
public abstract class LifecycleEndToEndTests(SdkEmulatorFixture emulator)
{
    [Fact]
    public async Task Create_WithEveryOption_IsReflectedInsideAndInGet()
    {
        SandboxCreateOptions options = emulator.Create("all-options");
        options.Type = "cpu:default";
        options.MaxLifetime = TimeSpan.FromMinutes(30);
        options.IdleTimeout = TimeSpan.FromMinutes(5);
        options.Ports = [3000, 8080];
        options.Envs = new Dictionary<string, string> { ["API_KEY"] = "your-api-key", ["GREETING"] = "hi there" };
        options.Policy = new SandboxPolicy
        {
            Network = NetworkPolicy.Allow(
                new EgressRule { Host = "httpbin.org", Port = 443 },
                new EgressRule { Host = "api.github.com", Port = 443, Rules = [new L7Rule { Methods = ["GET"], PathPattern = "/repos/**" }] }),
        };
        Sandbox sandbox = await Sandbox.CreateAsync(options);
        try
        {
            ExecResult env = await sandbox.Exec("echo \"$API_KEY|$GREETING\"", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
            Sandbox found = await Sandbox.GetAsync(sandbox.Id, emulator.Connection());

            Assert.Equal("your-api-key|hi there\n", env.Stdout);
            Assert.Equal("ready", sandbox.Status);
            Assert.Equal("running", found.Status);
            Assert.Equal("all-options", found.Name);
            Assert.Equal(TimeSpan.FromMinutes(30), found.MaxLifetime);
            Assert.Equal(TimeSpan.FromMinutes(5), found.IdleTimeout);
            Assert.Equal("1", found.ProtocolVersion);
            Assert.Equal([3000, 8080], found.PreviewUrls.Keys.Order());
            Assert.Null(found.SessionToken);
            Assert.False(found.IsConnected);
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }

    [Fact]
    public async Task GetUrl_DeclaredPortsOnly_WithoutNetworkCalls()
    {
        SandboxCreateOptions options = emulator.Create("web-sandbox");
        options.Ports = [3000, 8080];
        Sandbox sandbox = await Sandbox.CreateAsync(options);
        try
        {
            string url3000 = sandbox.GetUrl(3000);
            string url8080 = sandbox.GetUrl(8080);

            Assert.StartsWith("http", url3000, StringComparison.Ordinal);
            Assert.NotEqual(url3000, url8080);
            Assert.Throws<SandboxPortNotProvisionedException>(() => sandbox.GetUrl(5000));
            Assert.Throws<SandboxInvalidPortException>(() => sandbox.GetUrl(0));
            Assert.Throws<SandboxInvalidPortException>(() => sandbox.GetUrl(65536));
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }

    [Fact]
    public async Task Destroy_ResolvesPendingWorkAsDestroyed_ThenGetReportsDestroyed()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("destroy"));
        ExecTask running = sandbox.Exec("sleep 60");
        DetachedCommand detached = await sandbox.StartDetachedAsync("sleep 60");
        await Task.Delay(200);

        SandboxDestroyResult destroyed = await sandbox.DestroyAsync();
        ExecResult result = await running.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        CommandExit exit = await detached.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("destroyed", destroyed.Status);
        Assert.True(result.Destroyed);
        Assert.Null(result.ExitCode);
        Assert.True(exit.Destroyed);
        Assert.Null(exit.ExitCode);
        Sandbox after = await Sandbox.GetAsync(sandbox.Id, emulator.Connection());
        Assert.Equal("destroyed", after.Status);
        await Assert.ThrowsAsync<SandboxWebSocketException>(() => sandbox.Exec("true").AsTask());
    }

    [Fact]
    public async Task Destroy_FromAnotherClient_SettlesThisClientsCommandsAsKilled()
    {
        // Client A runs commands; client B (another process, in practice) destroys the sandbox. A's foreground exec and
        // detached wait end with 137 (killed with the sandbox) instead of hanging or failing on the close.
        Sandbox a = await Sandbox.CreateAsync(emulator.Create("destroy-other"));
        ExecTask running = a.Exec("sleep 60");
        DetachedCommand detached = await a.StartDetachedAsync("sleep 60");
        await Task.Delay(200);
        Sandbox b = await Sandbox.GetAsync(a.Id, emulator.Connection());
        await b.DestroyAsync();

        ExecResult result = await running.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        CommandExit exit = await detached.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(137, result.ExitCode);
        Assert.False(result.Destroyed);
        Assert.Equal(137, exit.ExitCode);
        await a.DisposeAsync();
    }

    [Fact]
    public async Task WrongKey_IsUnauthorized_UnknownSandbox_IsNotFound()
    {
        SandboxCreateOptions wrong = emulator.Create("x");
        wrong.ApiKey = "00000000-0000-0000-0000-000000000000:wrong";
        var unauthorized = await Assert.ThrowsAsync<SandboxUnauthorizedException>(() => Sandbox.CreateAsync(wrong));
        Assert.Equal(401, unauthorized.StatusCode);

        var missing = await Assert.ThrowsAsync<SandboxNotFoundException>(() => Sandbox.GetAsync("sb-00000000000000000000000000000000", emulator.Connection()));
        Assert.Equal(404, missing.StatusCode);
    }

    [Fact]
    public async Task WrongSessionToken_IsUnauthorized()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("token"));
        try
        {
            await Assert.ThrowsAsync<SandboxUnauthorizedException>(() => Sandbox.AttachAsync(sandbox.Id, "not-the-token", emulator.Connection()));
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }

    [Fact]
    public async Task MissingCredentials_FailBeforeAnyIo()
    {
        var options = new SandboxCreateOptions { ApiHost = "http://127.0.0.1:9", Namespace = "ns", ApiKey = null };
        string? saved = Environment.GetEnvironmentVariable("__OW_API_KEY");
        Environment.SetEnvironmentVariable("__OW_API_KEY", null);
        try
        {
            var error = await Assert.ThrowsAsync<SandboxInitializationException>(() => Sandbox.CreateAsync(options));
            Assert.Contains("__OW_API_KEY", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("__OW_API_KEY", saved);
        }
    }

    [Fact]
    public async Task InvalidSize_IsRejectedLocally_XLargeIsRejectedByTheEmulatorWithAReason()
    {
        SandboxCreateOptions spec = emulator.Create("size");
        spec.SizeSpec = new SandboxSizeSpec("123m", "1Gi", 0);
        await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.CreateAsync(spec));

        SandboxCreateOptions xlarge = emulator.Create("size");
        xlarge.Size = SandboxSize.XLarge;
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.CreateAsync(xlarge));
        Assert.Equal(400, error.StatusCode);
        Assert.Contains("GPU", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>LifecycleEndToEndTests against the emulator that offers the protocol extensions.</summary>
[Collection(SdkEmulatorCollection.Name)]
public sealed class LifecycleEndToEndTestsExtended(SdkEmulatorFixture emulator) : LifecycleEndToEndTests(emulator);

/// <summary>LifecycleEndToEndTests against the strict-protocol emulator (the real service's paths: no extensions, 1 MiB frames).</summary>
[Collection(StrictSdkEmulatorCollection.Name)]
public sealed class LifecycleEndToEndTestsStrict(StrictSdkEmulatorFixture emulator) : LifecycleEndToEndTests(emulator);
