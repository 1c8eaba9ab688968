using System.Security.Cryptography;
using AotSandbox.Emulator.Network;
using AotSandbox.Emulator.Runtime;
using AotSandbox.IntegrationTests.Network;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// Issue 12 item 1: a local user plants the emulator's state directory (or links inside it) before root starts it.
/// Root must refuse a directory it does not own or that others can write, and must never write through a planted
/// link: the link's target, a root-owned 0600 file, keeps its content and mode.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StatePlantTests : IAsyncLifetime
{
    private const int Nobody = 65534;
    private readonly string _scratch = "/tmp/aotsbtest-plant-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly string _victim = "/root/aotsbtest-plant-victim-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private const string VictimContent = "root-only secret, must not change\n";

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_scratch);
        File.WriteAllText(_victim, VictimContent);
        File.SetUnixFileMode(_victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await NetworkLab.Sh($"rm -rf {_scratch}", check: false);
        File.Delete(_victim);
    }

    /// <summary>The attack of the issue: a directory owned by another user, its resolv.conf and CA bundle linked to a root file.</summary>
    [Fact]
    public async Task NetworkState_PlantedByAnotherUser_IsRefused_AndTheLinkTargetIsUntouched()
    {
        string planted = Path.Combine(_scratch, "network");
        Directory.CreateDirectory(planted);
        File.CreateSymbolicLink(Path.Combine(planted, "resolv.conf"), _victim);
        File.CreateSymbolicLink(Path.Combine(planted, "ca-bundle.pem"), _victim);
        await NetworkLab.Sh($"chown -h {Nobody}:{Nobody} {planted} {planted}/resolv.conf {planted}/ca-bundle.pem");

        Exception? error = await StartNetworkAsync(planted);

        AssertVictimUntouched();
        Assert.NotNull(error);
        Assert.Contains("owned by uid 65534", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetworkState_WorldWritable_IsRefused()
    {
        string planted = Path.Combine(_scratch, "network");
        Directory.CreateDirectory(planted);
        File.SetUnixFileMode(planted, (UnixFileMode)0x1FF); // 0777, root-owned: anyone can add links later
        File.CreateSymbolicLink(Path.Combine(planted, "resolv.conf"), _victim);

        Exception? error = await StartNetworkAsync(planted);

        AssertVictimUntouched();
        Assert.NotNull(error);
        Assert.Contains("lets group or others write", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetworkState_ThroughASymlinkedDirectory_IsRefused()
    {
        string real = Path.Combine(_scratch, "real");
        Directory.CreateDirectory(real);
        string link = Path.Combine(_scratch, "network");
        Directory.CreateSymbolicLink(link, real);

        Exception? error = await StartNetworkAsync(link);

        Assert.NotNull(error);
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(real));
    }

    /// <summary>A trusted directory with links inside (left by anything): the files are replaced, never written through.</summary>
    [Fact]
    public async Task NetworkState_TrustedDirectoryWithPlantedLinks_ReplacesTheLinks()
    {
        string state = Path.Combine(_scratch, "network");
        Directory.CreateDirectory(state);
        File.CreateSymbolicLink(Path.Combine(state, "resolv.conf"), _victim);
        File.CreateSymbolicLink(Path.Combine(state, "ca-bundle.pem"), _victim);

        Exception? error = await StartNetworkAsync(state);

        AssertVictimUntouched();
        Assert.Null(error);
        foreach (string name in (string[])["resolv.conf", "ca-bundle.pem"])
        {
            var file = new FileInfo(Path.Combine(state, name));
            Assert.Null(file.LinkTarget);
            Assert.Equal((UnixFileMode)0x1A4, file.UnixFileMode); // 0644
        }

        Assert.StartsWith("nameserver 127.0.0.1", await File.ReadAllTextAsync(Path.Combine(state, "resolv.conf")), StringComparison.Ordinal);
    }

    /// <summary>The network layer's files live under the runtime's state root (/run/...), never in $TMPDIR.</summary>
    [Fact]
    public void NetworkState_DefaultsOutsideTheTemporaryDirectory() =>
        Assert.False(new SandboxNetworkOptions().StateDirectory.StartsWith(Path.GetTempPath().TrimEnd('/'), StringComparison.Ordinal));

    /// <summary>--state-dir pointing at a directory another user made: the runtime refuses before writing anything (agent, lock).</summary>
    [Fact]
    public async Task RuntimeStateRoot_PlantedByAnotherUser_IsRefused()
    {
        string planted = Path.Combine(_scratch, "state");
        Directory.CreateDirectory(Path.Combine(planted, "bin"));
        File.CreateSymbolicLink(Path.Combine(planted, "instance.lock"), _victim);
        await NetworkLab.Sh($"chown -hR {Nobody}:{Nobody} {planted}");
        await using var runtime = new BubblewrapRuntime(new BubblewrapRuntimeOptions
        {
            // A range of its own: on old code the refusal never came and the sweep ran; it must touch nobody's state.
            StateRoot = planted,
            UidBase = 690000,
            UidCount = 4,
            CgroupParent = "aotsbtest-plant",
            NetnsPrefix = "aotsbtest_plant_",
        });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => runtime.SweepLeftoversAsync(CancellationToken.None));

        AssertVictimUntouched();
        Assert.Contains("owned by uid 65534", error.Message, StringComparison.Ordinal);
    }

    private static async Task<Exception?> StartNetworkAsync(string stateDirectory)
    {
        await using var service = new SandboxNetworkService(new SandboxNetworkOptions { StateDirectory = stateDirectory, EgressSystemDns = false });
        try
        {
            await service.StartAsync(CancellationToken.None);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private void AssertVictimUntouched()
    {
        Assert.Equal(VictimContent, File.ReadAllText(_victim));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_victim));
    }
}
