using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// Issue 14 item 1: the pre-warmed pool on the real emulator (real bubblewrap sandboxes, own uid range 661001..661032,
/// cgroup parent and state root aotsb-pooltest, network namespaces poolt-*). A create claims an idle entry and gets its
/// tenant's limits, envs, policy and ports; a claimed sandbox is never reused; the pool refills; pool size 0 starts on
/// demand as before; idle entries never make a create fail with 429; nothing of the pool outlives the emulator.
/// </summary>
[Collection(RealSandboxCollection.Name)]
public sealed class PoolTests
{
    private const string Tag = "aotsb-pooltest";
    private const string NetnsPrefix = "poolt-";
    private static readonly TimeSpan FillTimeout = TimeSpan.FromSeconds(60);

    private static BubblewrapRuntimeOptions Range => EmulatorHarness.RealRuntimeOptions(Tag, NetnsPrefix, 661000);

    [Fact]
    public async Task Claim_AppliesNameLimitsEnvsPolicyAndPorts_OfTheTenant()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(Range, o => o.PoolSize = 2);
        string[] idle = await WaitForIdleAsync(h, 2);
        // While idle, an entry may run almost nothing: the tier's pid limit is written only at claim.
        Assert.Equal("16", ReadCgroup("pids", idle[0], "pids.max"));

        await using Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions
        {
            ApiHost = h.Server.ApiHost,
            Namespace = h.Server.Namespace,
            ApiKey = h.Server.ApiKey,
            Size = SandboxSize.Small,
            Name = "pooled-one",
            Envs = new Dictionary<string, string> { ["GREETING"] = "hello from the claim", ["HTTPS_PROXY"] = "tenant-wins" },
            Ports = [8080],
            Policy = new SandboxPolicy { Network = NetworkPolicy.Allow(new EgressRule { Host = "allowed.example", Port = 443 }) },
        });

        Assert.Contains(sandbox.Id, idle);
        Assert.Equal("pooled-one", sandbox.Name);
        Assert.True(sandbox.PreviewUrls.ContainsKey(8080), "the claimed sandbox has no preview URL for its declared port");

        // Size limits: written into the entry's cgroups at claim.
        Assert.Equal("512", ReadCgroup("pids", sandbox.Id, "pids.max"));
        Assert.Equal((512L << 20).ToString(CultureInfo.InvariantCulture), ReadCgroup("memory", sandbox.Id, "memory.limit_in_bytes"));
        ExecResult many = await sandbox.Exec("for i in $(seq 40); do sleep 1 & done; wait; echo forked", Timeout());
        Assert.Equal("forked", many.Stdout.Trim());

        // Envs: reach every command, and the tenant's win over the network layer's.
        ExecResult env = await sandbox.Exec("printf '%s|%s' \"$GREETING\" \"$HTTPS_PROXY\"", Timeout());
        Assert.Equal("hello from the claim|tenant-wins", env.Stdout);

        // Policy: the entry idled with deny-all; the claim's policy is what the sandbox's resolver answers with now.
        ExecResult allowed = await sandbox.Exec("getent hosts allowed.example", Timeout());
        Assert.True(allowed.ExitCode == 0, $"allowed name not resolved: exit {allowed.ExitCode} {allowed.Stderr}");
        ExecResult denied = await sandbox.Exec("getent hosts denied.example", Timeout());
        Assert.Equal(2, denied.ExitCode); // getent: key not found
        await sandbox.DestroyAsync();
    }

    [Fact]
    public async Task SequentialCreates_NeverShareUidNetnsOrFiles()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(Range, o => o.PoolSize = 2);
        await WaitForIdleAsync(h, 2);
        var options = Options(h);

        string aId, aUid, aNet;
        await using (Sandbox a = await Sandbox.CreateAsync(options))
        {
            await a.WriteFileAsync("/workspace/secret.txt", "tenant A");
            Assert.Equal(0, (await a.Exec("echo A > /tmp/a-tmp; echo A > /home/user/a-home; echo A > /dev/shm/a-shm", Timeout())).ExitCode);
            (aId, aUid, aNet) = (a.Id, await HostUidAsync(a), await NetnsAsync(a));
            await a.DestroyAsync();
        }

        await WaitForIdleAsync(h, 1);
        await using Sandbox b = await Sandbox.CreateAsync(options);
        Assert.NotEqual(aId, b.Id);
        Assert.NotEqual(aUid, await HostUidAsync(b));
        Assert.NotEqual(aNet, await NetnsAsync(b));
        ExecResult look = await b.Exec("ls -A /workspace /tmp /home/user /dev/shm", Timeout());
        Assert.Equal(0, look.ExitCode);
        Assert.DoesNotContain("secret.txt", look.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("a-tmp", look.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("a-home", look.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("a-shm", look.Stdout, StringComparison.Ordinal);
        ExecResult absent = await b.Exec("test -e /workspace/secret.txt || test -e /tmp/a-tmp || echo absent", Timeout());
        Assert.Equal("absent", absent.Stdout.Trim());
        Assert.False(File.Exists($"/run/netns/{NetnsPrefix}{aId}"), "the destroyed sandbox's network namespace is still there");
        Assert.DoesNotContain(aId, h.Server.Pool!.IdleIds);
        await b.DestroyAsync();
    }

    [Fact]
    public async Task Pool_RefillsWithFreshEntries_AfterClaims()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(Range, o => o.PoolSize = 2);
        string[] before = await WaitForIdleAsync(h, 2);
        JsonObject first = await h.CreateAsync();
        JsonObject second = await h.CreateAsync();
        string[] claimed = [(string)first["sandboxId"]!, (string)second["sandboxId"]!];
        Assert.Equal(before.Order(), claimed.Order());

        string[] after = await WaitForIdleAsync(h, 2);
        Assert.Empty(after.Intersect(claimed));
        Assert.Empty(after.Intersect(before));
    }

    [Fact]
    public async Task PoolSizeZero_StartsOnDemand_WithEnvsAndLimits()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(Range, o => o.PoolSize = 0);
        Assert.Null(h.Server.Pool);
        await using Sandbox sandbox = await Sandbox.CreateAsync(Options(h, new Dictionary<string, string> { ["COLD"] = "yes" }));
        Assert.Equal("yes", (await sandbox.Exec("printf %s \"$COLD\"", Timeout())).Stdout);
        Assert.Equal("512", ReadCgroup("pids", sandbox.Id, "pids.max"));
        Assert.Equal([sandbox.Id], Directory.GetDirectories(CgroupDirectory("pids")).Select(Path.GetFileName));
        await sandbox.DestroyAsync();
    }

    [Fact]
    public async Task Create_IsAdmitted_WhenOnlyIdleEntriesHoldTheBudget()
    {
        // Two idle SMALL entries reserve all 1024 pids; a MEDIUM create (1024 pids, another tmpfs shape, so no claim)
        // must evict them rather than be refused.
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(Range, o =>
        {
            o.PoolSize = 2;
            o.MaxTotalPids = 1024;
        });
        await WaitForIdleAsync(h, 2);
        using HttpResponseMessage medium = await h.Http.PostAsync(h.SandboxesUrl(), EmulatorHarness.Json("{\"size\":\"MEDIUM\"}"));
        Assert.True(medium.StatusCode == HttpStatusCode.OK, $"{medium.StatusCode}: {await medium.Content.ReadAsStringAsync()}");

        // And a SMALL create is still refused by the real budget (the MEDIUM sandbox holds it), naming it.
        using HttpResponseMessage small = await h.Http.PostAsync(h.SandboxesUrl(), EmulatorHarness.Json("{\"size\":\"SMALL\"}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, small.StatusCode);
        Assert.Contains("pid", await small.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, h.Server.Pool!.Count);
    }

    [Fact]
    public async Task Create_IsAdmitted_WhenIdleEntriesHoldTheLastSlots()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(Range, o =>
        {
            o.PoolSize = 2;
            o.MaxSandboxes = 2;
        });
        await WaitForIdleAsync(h, 2);
        using HttpResponseMessage medium = await h.Http.PostAsync(h.SandboxesUrl(), EmulatorHarness.Json("{\"size\":\"MEDIUM\"}"));
        Assert.True(medium.StatusCode == HttpStatusCode.OK, $"{medium.StatusCode}: {await medium.Content.ReadAsStringAsync()}");
        await h.CreateAsync(); // claims the entry that is left
        Assert.True(Directory.GetDirectories(CgroupDirectory("pids")).Length <= 2, "more sandboxes than MaxSandboxes run");
    }

    [Fact]
    public async Task Dispose_LeavesNoCgroupNetnsOrStateOfPoolEntries()
    {
        await using (EmulatorHarness h = await EmulatorHarness.StartRealAsync(Range, o => o.PoolSize = 2))
        {
            await WaitForIdleAsync(h, 2);
            await h.CreateAsync();
        }

        foreach (string controller in new[] { "memory", "pids", "cpu" })
        {
            Assert.Empty(Directory.Exists(CgroupDirectory(controller)) ? Directory.GetDirectories(CgroupDirectory(controller)) : []);
        }

        Assert.DoesNotContain(Directory.GetFiles("/run/netns"), f => Path.GetFileName(f).StartsWith(NetnsPrefix, StringComparison.Ordinal));
        Assert.Empty(Directory.Exists($"/run/{Tag}/sandboxes") ? Directory.GetFileSystemEntries($"/run/{Tag}/sandboxes") : []);
        // No process of the range survives.
        foreach (string status in Directory.GetDirectories("/proc").Where(d => char.IsAsciiDigit(Path.GetFileName(d)[0])))
        {
            try
            {
                string uidLine = File.ReadLines(Path.Combine(status, "status")).First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
                int uid = int.Parse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                Assert.False(uid is > 661000 and <= 661032, $"process {status} of pool uid {uid} survived");
            }
            catch (IOException)
            {
                // exited meanwhile
            }
        }
    }

    private static SandboxCreateOptions Options(EmulatorHarness h, Dictionary<string, string>? envs = null) => new()
    {
        ApiHost = h.Server.ApiHost,
        Namespace = h.Server.Namespace,
        ApiKey = h.Server.ApiKey,
        Size = SandboxSize.Small,
        Envs = envs,
    };

    private static ExecOptions Timeout() => new() { Timeout = TimeSpan.FromSeconds(20) };

    private static async Task<string[]> WaitForIdleAsync(EmulatorHarness h, int count)
    {
        Assert.NotNull(h.Server.Pool);
        DateTime until = DateTime.UtcNow + FillTimeout;
        while (h.Server.Pool.IdleCount < count)
        {
            Assert.True(DateTime.UtcNow < until, $"the pool did not fill to {count} within {FillTimeout.TotalSeconds} s (has {h.Server.Pool.IdleCount})");
            await Task.Delay(20);
        }

        return h.Server.Pool.IdleIds;
    }

    private static string CgroupDirectory(string controller) => $"/sys/fs/cgroup/{controller}/{Tag}";

    private static string ReadCgroup(string controller, string id, string file) =>
        File.ReadAllText(Path.Combine(CgroupDirectory(controller), id, file)).Trim();

    /// <summary>The host uid the sandbox runs as, read on the host from a member of its cgroup (its agent).</summary>
    private static async Task<string> HostUidAsync(Sandbox sandbox)
    {
        await Task.Yield();
        string pid = File.ReadLines(Path.Combine(CgroupDirectory("pids"), sandbox.Id, "cgroup.procs")).First();
        string uidLine = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        string uid = uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.InRange(int.Parse(uid, CultureInfo.InvariantCulture), 661001, 661032);
        return uid;
    }

    private static async Task<string> NetnsAsync(Sandbox sandbox) =>
        (await sandbox.Exec("readlink /proc/self/ns/net", Timeout())).Stdout.Trim();
}
