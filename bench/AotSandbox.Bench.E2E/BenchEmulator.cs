using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Bench.E2E;

/// <summary>
/// An in-process emulator with real bubblewrap sandboxes on the bench's own range (uids 630001-630128, cgroup parent
/// and state root "aotsb-benchtest", netns prefix "bent-"): its start-up sweep can only ever remove the bench's own leftovers.
/// <c>AOTSB_BENCH_SLOT=1..7</c> moves all three to a range of their own (uids 630000 + 1000 × slot, tag and prefix
/// suffixed with the slot), so engineers measuring on different branches of one machine do not contend for one lock.
/// </summary>
internal sealed class BenchEmulator : IAsyncDisposable
{
    private static readonly int s_slot = ReadSlot();
    private static readonly string s_tag = s_slot == 0 ? "aotsb-benchtest" : "aotsb-benchtest" + s_slot;

    private BenchEmulator(EmulatorServer server) => Server = server;

    public EmulatorServer Server { get; }

    /// <param name="image">
    /// Null for the host view. Otherwise sandboxes use this image (<c>serve --image</c>), on a second range inside the
    /// slot (uids +500, tag "-img", netns prefix with "i"), so it can run beside the host-view emulator.
    /// </param>
    public static async Task<BenchEmulator> StartAsync(Emulator.Runtime.Image.ImageReference? image = null)
    {
        string tag = image is null ? s_tag : s_tag + "-img";
        string prefix = s_slot == 0 ? "bent" : "bent" + s_slot;
        var runtimeOptions = new BubblewrapRuntimeOptions
        {
            StateRoot = "/run/" + tag,
            CgroupParent = tag,
            NetnsPrefix = prefix + (image is null ? "-" : "i-"),
            UidBase = 630000 + (1000 * s_slot) + (image is null ? 0 : 500),
            UidCount = 128,
            Image = image ?? Emulator.Runtime.Image.ImageReference.Host,
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

    private static int ReadSlot()
    {
        string? value = Environment.GetEnvironmentVariable("AOTSB_BENCH_SLOT");
        if (string.IsNullOrEmpty(value))
        {
            return 0;
        }

        return int.TryParse(value, out int slot) && slot is >= 0 and <= 7
            ? slot
            : throw new ArgumentException($"AOTSB_BENCH_SLOT must be 0..7, not '{value}'.");
    }
}
