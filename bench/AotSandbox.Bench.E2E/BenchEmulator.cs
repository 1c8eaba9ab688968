using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Bench.E2E;

/// <summary>
/// An in-process emulator with real bubblewrap sandboxes on the bench's own range (uids 630001-630128, cgroup parent
/// and state root "aotsb-benchtest", netns prefix "bent-"): its start-up sweep can only ever remove the bench's own leftovers.
/// </summary>
internal sealed class BenchEmulator : IAsyncDisposable
{
    private const string Tag = "aotsb-benchtest";

    private BenchEmulator(EmulatorServer server) => Server = server;

    public EmulatorServer Server { get; }

    public static async Task<BenchEmulator> StartAsync()
    {
        var runtimeOptions = new BubblewrapRuntimeOptions
        {
            StateRoot = "/run/" + Tag,
            CgroupParent = Tag,
            NetnsPrefix = "bent-",
            UidBase = 630000,
            UidCount = 128,
        };
        var server = new EmulatorServer(new EmulatorOptions
        {
            Namespace = "bench",
            MaxSandboxes = 100,
            RuntimeFactory = _ => new BubblewrapRuntime(runtimeOptions),
        });
        await server.StartAsync();
        return new BenchEmulator(server);
    }

    /// <summary>Create options; SMALL (0.5 cpu) unless a throughput test asks for LARGE (all cores), so the cgroup quota is not what it measures.</summary>
    public SandboxCreateOptions Create(string name, SandboxSize size = SandboxSize.Small) => new()
    {
        ApiHost = Server.ApiHost,
        Namespace = Server.Namespace,
        ApiKey = Server.ApiKey,
        Name = name,
        Size = size,
    };

    public SandboxConnectionOptions Connection() => new()
    {
        ApiHost = Server.ApiHost,
        Namespace = Server.Namespace,
        ApiKey = Server.ApiKey,
    };

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
