using System.Security.Cryptography.X509Certificates;
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

    private BenchEmulator(EmulatorServer server, X509Certificate2? authority)
    {
        Server = server;
        Authority = authority;
    }

    public EmulatorServer Server { get; }

    /// <summary>The CA clients must trust when the emulator serves TLS (see <see cref="StartTlsAsync"/>); null for plain http.</summary>
    public X509Certificate2? Authority { get; }

    /// <summary>
    /// Starts the bench's emulator with the default pre-warmed pool. <paramref name="poolOff"/> starts one with no pool
    /// (for the "pool empty" rows) and <paramref name="image"/> one whose sandboxes use that image (<c>serve --image</c>)
    /// instead of the host view; each variant gets a range of its own within the slot so it can run beside the main
    /// one: pool off uids +501..+628 (tag and prefix suffixed "e"), an image +751..+878 (suffixed "i", or "ie").
    /// </summary>
    public static async Task<BenchEmulator> StartAsync(bool poolOff = false, Emulator.Runtime.Image.ImageReference? image = null)
    {
        string suffix = (image is null ? string.Empty : "i") + (poolOff ? "e" : string.Empty);
        return await StartAsync(suffix, (image is null ? 0 : 250) + (poolOff ? 500 : 0), 128, poolOff, image, tls: null);
    }

    /// <summary>
    /// Starts one serving its API over TLS (<see cref="EmulatorOptions.ServerCertificate"/>) with <paramref name="tls"/>'s
    /// server certificate, so answers name wss://; default pool, host view. Its own range in the slot: uids +881..+944,
    /// tag and prefix suffixed "t".
    /// </summary>
    public static Task<BenchEmulator> StartTlsAsync(BenchTlsCertificates tls) => StartAsync("t", 880, 64, poolOff: false, image: null, tls);

    private static async Task<BenchEmulator> StartAsync(string suffix, int uidOffset, int uidCount, bool poolOff, Emulator.Runtime.Image.ImageReference? image, BenchTlsCertificates? tls)
    {
        var runtimeOptions = new BubblewrapRuntimeOptions
        {
            StateRoot = "/run/" + s_tag + suffix,
            CgroupParent = s_tag + suffix,
            NetnsPrefix = (s_slot == 0 ? "bent" : "bent" + s_slot) + suffix + "-",
            UidBase = 630000 + (1000 * s_slot) + uidOffset,
            UidCount = uidCount,
            Image = image ?? Emulator.Runtime.Image.ImageReference.Host,
        };
        var server = new EmulatorServer(new EmulatorOptions
        {
            Namespace = "bench",
            MaxSandboxes = 100,
            PoolSize = poolOff ? 0 : EmulatorOptions.DefaultPoolSize,
            ServerCertificate = tls?.Server,
            RuntimeFactory = _ => new BubblewrapRuntime(runtimeOptions),
        });
        await server.StartAsync();
        return new BenchEmulator(server, tls?.Authority);
    }

    /// <summary>Create options; SMALL (0.5 cpu) unless a throughput test asks for LARGE (all cores), so the cgroup quota is not what it measures.</summary>
    public SandboxCreateOptions Create(string name, SandboxSize size = SandboxSize.Small) => new()
    {
        ApiHost = Server.ApiHost,
        Namespace = Server.Namespace,
        ApiKey = Server.ApiKey,
        Name = name,
        Size = size,
        TrustedCertificateAuthorities = Authority is null ? null : [Authority],
    };

    public SandboxConnectionOptions Connection() => new()
    {
        ApiHost = Server.ApiHost,
        Namespace = Server.Namespace,
        ApiKey = Server.ApiKey,
        TrustedCertificateAuthorities = Authority is null ? null : [Authority],
    };

    /// <summary>Waits until every pool entry is started and idle (no-op without a pool), so a create can claim one.</summary>
    public async Task WaitForFullPoolAsync()
    {
        if (Server.Pool is not { } pool)
        {
            return;
        }

        DateTime until = DateTime.UtcNow.AddSeconds(60);
        while (pool.IdleCount < EmulatorOptions.DefaultPoolSize)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"the pre-warmed pool did not fill within 60 s ({pool.IdleCount} of {EmulatorOptions.DefaultPoolSize} idle)");
            }

            await Task.Delay(5);
        }
    }

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
