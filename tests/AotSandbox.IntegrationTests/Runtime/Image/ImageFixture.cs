using System.Security.Cryptography;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Image;

namespace AotSandbox.IntegrationTests.Runtime.Image;

/// <summary>
/// Two real runtimes side by side on the image tests' own range (uids 659001+, state roots and cgroup parents
/// "aotsb-imagetest*", netns prefixes "imgt-"/"imgth-"): one on the pinned default image, one on the host view, each
/// with a shared sandbox. Plants host canaries with random content where the host view shows host files (/usr/share,
/// /etc/ssl) and under /etc itself. The default image is built into the machine's shared image cache on first use
/// (mmdebstrap; minutes once per machine, then a cache hit): with mmdebstrap absent and no cached image the fixture
/// fails with the message saying to install it.
/// </summary>
public sealed class ImageFixture : IAsyncLifetime
{
    public const string Tag = "aotsb-imagetest";

    internal static readonly BubblewrapRuntimeOptions ImageOptions = new()
    {
        StateRoot = "/run/" + Tag,
        CgroupParent = Tag,
        NetnsPrefix = "imgt-",
        UidBase = 659000,
        UidCount = 64,
        Image = ImageReference.Default,
    };

    internal static readonly BubblewrapRuntimeOptions HostOptions = ImageOptions with
    {
        StateRoot = "/run/" + Tag + "-host",
        CgroupParent = Tag + "-host",
        NetnsPrefix = "imgth-",
        UidBase = 659100,
        UidCount = 16,
        Image = ImageReference.Host,
    };

    internal BubblewrapRuntime ImageRuntime { get; } = new(ImageOptions);

    internal BubblewrapRuntime HostRuntime { get; } = new(HostOptions);

    internal SandboxImage Image { get; private set; } = null!;

    internal ISandboxInstance InImage { get; private set; } = null!;

    internal ISandboxInstance OnHost { get; private set; } = null!;

    /// <summary>Host canary files (path → random content); removed at the end.</summary>
    internal Dictionary<string, string> Canaries { get; } = [];

    public async Task InitializeAsync()
    {
        foreach (string directory in (string[])["/etc", "/etc/ssl", "/usr/share"])
        {
            string path = Path.Combine(directory, "aotsb-canary-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
            string content = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            await File.WriteAllTextAsync(path, content);
            Canaries[path] = content;
        }

        ImageRuntime.CheckPrerequisites();
        HostRuntime.CheckPrerequisites();
        await ImageRuntime.SweepLeftoversAsync(CancellationToken.None);
        await HostRuntime.SweepLeftoversAsync(CancellationToken.None);
        Image = await ImageRuntime.ResolveImageAsync(null, CancellationToken.None);
        InImage = await ImageRuntime.StartAsync(RuntimeFixture.NewSpec(), CancellationToken.None);
        OnHost = await HostRuntime.StartAsync(RuntimeFixture.NewSpec(), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await ImageRuntime.DisposeAsync();
            await HostRuntime.DisposeAsync();
        }
        finally
        {
            foreach (string path in Canaries.Keys)
            {
                File.Delete(path);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ImageCollection : ICollectionFixture<ImageFixture>
{
    public const string Name = "Sandbox images";
}
