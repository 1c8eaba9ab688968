using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Bubblewrap;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// One runtime for all runtime tests, with its own uid range, cgroup parent, netns prefix and state root, so a
/// developer's running emulator (default settings) and these tests never touch each other's resources.
/// Also one shared sandbox for the tests that do not need special limits.
/// </summary>
public sealed class RuntimeFixture : IAsyncLifetime
{
    internal static readonly BubblewrapRuntimeOptions Options = new()
    {
        StateRoot = "/run/aotsandbox-tests",
        CgroupParent = "aotsandbox-tests",
        NetnsPrefix = "aotsbt-",
        UidBase = 260000,
        UidCount = 256,
    };

    internal static SandboxLimits SmallLimits => new(MemoryBytes: 512L << 20, MaxPids: 512, CpuMillis: 500, WorkspaceBytes: 1L << 30, TmpBytes: 256L << 20);

    internal BubblewrapRuntime Runtime { get; } = new(Options);

    internal ISandboxInstance Shared { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Runtime.CheckPrerequisites();
        await Runtime.SweepLeftoversAsync(CancellationToken.None);
        Shared = await Runtime.StartAsync(NewSpec(), CancellationToken.None);
    }

    public async Task DisposeAsync() => await Runtime.DisposeAsync();

    internal static SandboxSpec NewSpec(SandboxLimits? limits = null, IReadOnlyDictionary<string, string>? environment = null) =>
        new("sb-" + Guid.NewGuid().ToString("N"), limits ?? SmallLimits, environment ?? new Dictionary<string, string>());
}

[CollectionDefinition(Name)]
public sealed class RuntimeCollection : ICollectionFixture<RuntimeFixture>
{
    public const string Name = "Sandbox runtime";
}
