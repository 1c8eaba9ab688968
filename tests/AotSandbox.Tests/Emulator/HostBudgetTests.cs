using AotSandbox.Emulator.Sandboxes;

namespace AotSandbox.Tests.Emulator;

public sealed class HostBudgetTests
{
    [Fact]
    public void Defaults_DeriveFromPidMaxAndMemTotal()
    {
        Assert.Equal(32768, HostCapacity.ParsePidMax("32768\n"));
        Assert.Null(HostCapacity.ParsePidMax("garbage"));
        Assert.Equal(24683568L * 1024, HostCapacity.ParseMemTotalBytes("MemTotal:       24683568 kB\nMemFree: 1 kB\n"));
        Assert.Null(HostCapacity.ParseMemTotalBytes("MemFree: 1 kB\n"));
        Assert.Equal(32768 - 4096, HostCapacity.DefaultPidBudget(32768)); // 64 SMALL sandboxes (512 pids each) no longer fit
        Assert.Equal(4194304 - (4194304 / 8), HostCapacity.DefaultPidBudget(4194304));
    }

    [Fact]
    public void Admission_NamesTheSpentBudget_AndReleaseFreesIt()
    {
        var budget = new HostBudget(maxPids: 1024, maxMemoryBytes: 4L << 30, maxPerNamespace: 3);
        Assert.Null(budget.TryAdmit("a", "SMALL", 512, 1L << 30));
        Assert.Null(budget.TryAdmit("a", "SMALL", 512, 1L << 30));
        Assert.Contains("pid", budget.TryAdmit("b", "SMALL", 512, 1L << 30), StringComparison.Ordinal);
        budget.Release("a", 512, 1L << 30);
        Assert.Contains("memory", budget.TryAdmit("b", "LARGE", 512, 4L << 30), StringComparison.Ordinal);
        Assert.Null(budget.TryAdmit("b", "SMALL", 512, 1L << 30));
    }

    [Fact]
    public void IdleReservations_CountAgainstTheBudget_AndAreTakenOverAtomicallyByAnAdmission()
    {
        var budget = new HostBudget(maxPids: 1024, maxMemoryBytes: 4L << 30, maxPerNamespace: 3);
        Assert.True(budget.TryReserveIdle(512, 1L << 30));
        Assert.True(budget.TryReserveIdle(512, 1L << 30));
        Assert.False(budget.TryReserveIdle(512, 1L << 30)); // a third pool entry does not fit
        Assert.Contains("pid", budget.TryAdmit("a", "MEDIUM", 1024, 1L << 30), StringComparison.Ordinal);

        // Giving up one entry is not enough for 1024 pids: refused, and that entry stays reserved (nothing changed).
        Assert.NotNull(budget.TryAdmit("a", "MEDIUM", 1024, 1L << 30, releasingPids: 512, releasingMemoryBytes: 1L << 30));
        Assert.False(budget.TryReserveIdle(1, 1));

        // Both entries: admitted, and the budget holds exactly the admitted sandbox.
        Assert.Null(budget.TryAdmit("a", "MEDIUM", 1024, 1L << 30, releasingPids: 1024, releasingMemoryBytes: 2L << 30));
        Assert.False(budget.TryReserveIdle(1, 1));
        budget.Release("a", 1024, 1L << 30);
        Assert.True(budget.TryReserveIdle(1024, 4L << 30));
        budget.ReleaseIdle(1024, 4L << 30);
        Assert.False(budget.NamespaceFull("a"));
    }
}
