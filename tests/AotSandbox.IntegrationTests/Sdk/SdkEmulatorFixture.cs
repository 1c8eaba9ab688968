using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// One in-process emulator with real bubblewrap sandboxes for the SDK end-to-end tests, on its own uid range, cgroup
/// parent, netns prefix and state root, so its start-up sweep never touches another emulator's sandboxes. This one
/// offers the protocol extensions; <see cref="StrictSdkEmulatorFixture"/> runs the same suite the way the real service
/// behaves (docs/PROTOCOL.md §4.4).
/// </summary>
public class SdkEmulatorFixture : IAsyncLifetime
{
    private readonly string _tag;
    private readonly string _netnsPrefix;
    private readonly int _uidBase;
    private readonly string _namespace;

    public SdkEmulatorFixture()
        : this(strictProtocol: false, "aotsb-sdktest", "sdkt-", 610000, "sdk-tests")
    {
    }

    protected SdkEmulatorFixture(bool strictProtocol, string tag, string netnsPrefix, int uidBase, string @namespace)
    {
        StrictProtocol = strictProtocol;
        _tag = tag;
        _netnsPrefix = netnsPrefix;
        _uidBase = uidBase;
        _namespace = @namespace;
    }

    /// <summary>Whether this emulator runs in strict-protocol mode (no extensions, 1 MiB messages).</summary>
    public bool StrictProtocol { get; }

    internal EmulatorServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var runtimeOptions = new BubblewrapRuntimeOptions
        {
            StateRoot = "/run/" + _tag,
            CgroupParent = _tag,
            NetnsPrefix = _netnsPrefix,
            UidBase = _uidBase,
            UidCount = 64,
        };
        Server = new EmulatorServer(new EmulatorOptions
        {
            Namespace = _namespace,
            StrictProtocol = StrictProtocol,
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

/// <summary>
/// The same emulator in strict-protocol mode, as Adobe's service behaves: no extensions advertised or honoured, client
/// messages capped at 1 MiB. Its own uid range (612000..612063), netns prefix and state root.
/// </summary>
public sealed class StrictSdkEmulatorFixture : SdkEmulatorFixture
{
    public StrictSdkEmulatorFixture()
        : base(strictProtocol: true, "aotsb-sdkstrict", "sdks-", 612000, "sdk-strict")
    {
    }
}

[CollectionDefinition(Name)]
public sealed class SdkEmulatorCollection : ICollectionFixture<SdkEmulatorFixture>
{
    public const string Name = "SDK against the emulator";
}

[CollectionDefinition(Name)]
public sealed class StrictSdkEmulatorCollection : ICollectionFixture<StrictSdkEmulatorFixture>
{
    public const string Name = "SDK against the strict-protocol emulator";
}

/// <summary>
/// A strict-protocol emulator for the large-transfer memory measurements, in a collection that runs alone (after the
/// parallel ones), so the process's heap and RSS reflect the transfer and not a neighbour. Uids 612064..612127.
/// </summary>
public sealed class StrictLargeTransferFixture : SdkEmulatorFixture
{
    public StrictLargeTransferFixture()
        : base(strictProtocol: true, "aotsb-sdkbig", "sdkb-", 612064, "sdk-big")
    {
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StrictLargeTransferCollection : ICollectionFixture<StrictLargeTransferFixture>
{
    public const string Name = "SDK large transfers against the strict-protocol emulator (alone)";
}
