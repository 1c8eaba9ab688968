using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// One in-process emulator with real bubblewrap sandboxes for the SDK end-to-end tests, on its own uid range, cgroup
/// parent, netns prefix and state root, so its start-up sweep never touches another emulator's sandboxes.
/// </summary>
public sealed class SdkEmulatorFixture : IAsyncLifetime
{
    private const string Tag = "aotsb-sdktest";

    internal EmulatorServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var runtimeOptions = new BubblewrapRuntimeOptions
        {
            StateRoot = "/run/" + Tag,
            CgroupParent = Tag,
            NetnsPrefix = "sdkt-",
            UidBase = 610000,
            UidCount = 64,
        };
        Server = new EmulatorServer(new EmulatorOptions
        {
            Namespace = "sdk-tests",
            RuntimeFactory = _ => new BubblewrapRuntime(runtimeOptions),
        });
        await Server.StartAsync();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>Create options pointed at this emulator.</summary>
    public SandboxCreateOptions Create(string? name = null) => new()
    {
        ApiHost = Server.ApiHost,
        Namespace = Server.Namespace,
        ApiKey = Server.ApiKey,
        Name = name,
        Size = SandboxSize.Small,
    };

    /// <summary>Connection options pointed at this emulator.</summary>
    public SandboxConnectionOptions Connection() => new()
    {
        ApiHost = Server.ApiHost,
        Namespace = Server.Namespace,
        ApiKey = Server.ApiKey,
    };
}

[CollectionDefinition(Name)]
public sealed class SdkEmulatorCollection : ICollectionFixture<SdkEmulatorFixture>
{
    public const string Name = "SDK against the emulator";
}
