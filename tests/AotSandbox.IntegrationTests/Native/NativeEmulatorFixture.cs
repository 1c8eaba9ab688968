using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Native;

/// <summary>
/// One emulator with real sandboxes for the C, Rust and Go programs, on the C-ABI tests' own range (uids 650000+32,
/// netns "cabt-", state /run/aotsb-cabitest) so its start-up sweep never touches another emulator's sandboxes; plus
/// the published library. The programs get the service through the standard __OW_* variables, as users' code would.
/// </summary>
public sealed class NativeEmulatorFixture : IAsyncLifetime
{
    private const string Tag = "aotsb-cabitest";

    internal EmulatorServer Server { get; private set; } = null!;

    internal string Library { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Task<string> library = NativeBuild.LibraryAsync();
        var runtimeOptions = new BubblewrapRuntimeOptions
        {
            StateRoot = "/run/" + Tag,
            CgroupParent = Tag,
            NetnsPrefix = "cabt-",
            UidBase = 650000,
            UidCount = 32,
        };
        Server = new EmulatorServer(new EmulatorOptions
        {
            Namespace = "cabi-tests",
            RuntimeFactory = _ => new BubblewrapRuntime(runtimeOptions),
        });
        await Server.StartAsync();
        Library = await library;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>The environment a program needs: credentials, where the library is, and our build caches.</summary>
    internal Dictionary<string, string> Environment() => new()
    {
        ["__OW_API_HOST"] = Server.ApiHost,
        ["__OW_NAMESPACE"] = Server.Namespace,
        ["__OW_API_KEY"] = Server.ApiKey,
        ["AOTSANDBOX_LIB_DIR"] = NativeBuild.LibDir,
        ["AOTSANDBOX_INCLUDE_DIR"] = NativeBuild.IncludeDir,
        ["LD_LIBRARY_PATH"] = NativeBuild.LibDir,
    };
}

[CollectionDefinition(Name)]
public sealed class NativeEmulatorCollection : ICollectionFixture<NativeEmulatorFixture>
{
    public const string Name = "C ABI against the emulator";
}
