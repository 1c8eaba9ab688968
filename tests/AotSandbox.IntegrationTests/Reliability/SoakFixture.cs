using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>
/// The soak's two emulators, each on a range of its own so that a soak never collides with the security battery or any
/// other fixture: the main one (state root and cgroup parent "aotsb-soak", netns prefix "soak-", uids 680000-680127)
/// carries the steady workers and half of every burst; the second one ("aotsb-soakb", "soakb-", uids 681000-681063)
/// is the "load from elsewhere": another emulator on the same machine, hit by the other half of each burst. The second
/// one admits fewer sandboxes than a burst asks for, so every burst also proves that what cannot be served is refused
/// cleanly (429) and leaves nothing behind.
/// </summary>
public sealed class SoakFixture : IAsyncLifetime
{
    internal static readonly BubblewrapRuntimeOptions MainRange = new()
    {
        StateRoot = "/run/aotsb-soak",
        CgroupParent = "aotsb-soak",
        NetnsPrefix = "soak-",
        UidBase = 680000,
        UidCount = 128,
    };

    internal static readonly BubblewrapRuntimeOptions OtherRange = new()
    {
        StateRoot = "/run/aotsb-soakb",
        CgroupParent = "aotsb-soakb",
        NetnsPrefix = "soakb-",
        UidBase = 681000,
        UidCount = 64,
    };

    /// <summary>Sandboxes the second emulator admits at once; bursts ask for more.</summary>
    public const int OtherCapacity = 12;

    internal EmulatorServer Main { get; private set; } = null!;

    internal EmulatorServer Other { get; private set; } = null!;

    /// <summary>Warnings and failures both emulators logged (create failures, teardown failures, sandboxes that died).</summary>
    internal EmulatorLogCollector Log { get; } = new();

    public async Task InitializeAsync()
    {
        Main = new EmulatorServer(new EmulatorOptions
        {
            Namespace = "soak-a",
            RuntimeFactory = _ => new BubblewrapRuntime(MainRange),
            ConfigureLogging = logging => Log.AttachTo(logging, "main"),
        });
        Other = new EmulatorServer(new EmulatorOptions
        {
            Namespace = "soak-b",
            MaxSandboxes = OtherCapacity,
            RuntimeFactory = _ => new BubblewrapRuntime(OtherRange),
            ConfigureLogging = logging => Log.AttachTo(logging, "other"),
        });
        await Main.StartAsync();
        await Other.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Main.DisposeAsync();
        await Other.DisposeAsync();
    }

    /// <summary>Connection options (attach) for one of the two emulators.</summary>
    internal SandboxConnectionOptions Connection(EmulatorServer server) => new()
    {
        ApiHost = server.ApiHost,
        Namespace = server.Namespace,
        ApiKey = server.ApiKey,
    };

    /// <summary>Create options for one of the two emulators.</summary>
    internal static SandboxCreateOptions Create(EmulatorServer server, string name) => new()
    {
        ApiHost = server.ApiHost,
        Namespace = server.Namespace,
        ApiKey = server.ApiKey,
        Name = name,
        Size = SandboxSize.Small,
        IdleTimeout = TimeSpan.FromMinutes(10),
        MaxLifetime = TimeSpan.FromMinutes(30),
    };
}

// Runs alone, after the parallel collections: the soak reads this process's managed heap and RSS as the emulator's,
// and its latency figures mean something only when the rest of the suite is not running in the same process.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection : ICollectionFixture<SoakFixture>
{
    public const string Name = "Soak (own emulators and ranges)";
}
