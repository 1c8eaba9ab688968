using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// The network-namespace set-up tests: their own range (uids 662000-662015, /run/aotsb-netnstest, cgroup parent
/// aotsb-netnstest, namespaces nett-*), so they run beside every other suite without touching its resources.
/// </summary>
[CollectionDefinition(Name)]
public sealed class NetnsSetupCollection
{
    public const string Name = "netns set-up";

    internal static readonly BubblewrapRuntimeOptions Range = new()
    {
        StateRoot = "/run/aotsb-netnstest",
        CgroupParent = "aotsb-netnstest",
        NetnsPrefix = "nett-",
        UidBase = 662000,
        UidCount = 16,
    };
}
