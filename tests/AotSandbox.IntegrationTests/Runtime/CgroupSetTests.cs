using System.Diagnostics;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Bubblewrap;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// The cgroup v1 set-up of one sandbox, trimmed to the writes that change something: every limit must still land
/// (read back from the kernel), including the CPU period the runtime no longer writes because the kernel's default
/// already is the one the quota is computed for.
/// </summary>
[Collection(NetnsSetupCollection.Name)]
public sealed class CgroupSetTests(ITestOutputHelper output)
{
    [Fact]
    public void Create_SetsEveryLimit_AndTheCpuPeriodTheQuotaAssumes()
    {
        var options = NetnsSetupCollection.Range;
        var limits = new SandboxLimits(MemoryBytes: 300L << 20, MaxPids: 77, CpuMillis: 250, WorkspaceBytes: 1L << 30, TmpBytes: 1L << 20);
        var times = new List<double>();
        for (int i = 0; i < 15; i++)
        {
            string id = "cg-" + Guid.NewGuid().ToString("N")[..12];
            var set = new CgroupSet(options.CgroupRoot, options.CgroupParent, id);
            try
            {
                var clock = Stopwatch.StartNew();
                set.Create(limits);
                times.Add(clock.Elapsed.TotalMilliseconds);

                string Read(string controller, string file) => File.ReadAllText(Path.Combine(options.CgroupRoot, controller, options.CgroupParent, id, file)).Trim();
                Assert.Equal((300L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), Read("memory", "memory.limit_in_bytes"));
                if (File.Exists(Path.Combine(options.CgroupRoot, "memory", options.CgroupParent, id, "memory.memsw.limit_in_bytes")))
                {
                    Assert.Equal(Read("memory", "memory.limit_in_bytes"), Read("memory", "memory.memsw.limit_in_bytes"));
                }

                Assert.Equal("77", Read("pids", "pids.max"));
                Assert.Equal(CgroupSet.CpuPeriodMicros.ToString(System.Globalization.CultureInfo.InvariantCulture), Read("cpu", "cpu.cfs_period_us"));
                Assert.Equal("25000", Read("cpu", "cpu.cfs_quota_us"));
                Assert.Equal("256", Read("cpu", "cpu.shares"));
            }
            finally
            {
                Assert.True(set.TryRemove(), "the empty cgroups could not be removed");
            }
        }

        times.Sort();
        output.WriteLine($"CgroupSet.Create (3 mkdir + limit writes): p50 {times[times.Count / 2]:0.000} ms, max {times[^1]:0.000} ms, n = {times.Count}");
    }
}
