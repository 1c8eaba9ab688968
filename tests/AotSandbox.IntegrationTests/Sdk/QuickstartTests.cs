namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>The quickstart of Adobe's Python SDK README, in C#, against real sandboxes.</summary>
public abstract class QuickstartTests(SdkEmulatorFixture emulator)
{
    [Fact]
    public async Task Quickstart_CreateExecDestroy_ReturnsPythonVersion()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("my-sandbox"));
        ExecResult result = await sandbox.Exec("python --version", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        SandboxDestroyResult destroyed = await sandbox.DestroyAsync();

        Assert.StartsWith("Python 3.", result.Stdout.Trim() + result.Stderr.Trim(), StringComparison.Ordinal);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("destroyed", destroyed.Status);
    }
}

/// <summary>The quickstart against the emulator that offers the protocol extensions.</summary>
[Collection(SdkEmulatorCollection.Name)]
public sealed class QuickstartTestsExtended(SdkEmulatorFixture emulator) : QuickstartTests(emulator);

/// <summary>The quickstart against the strict-protocol emulator.</summary>
[Collection(StrictSdkEmulatorCollection.Name)]
public sealed class QuickstartTestsStrict(StrictSdkEmulatorFixture emulator) : QuickstartTests(emulator);
