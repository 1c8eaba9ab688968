using System.Globalization;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>Runs only with AOTSANDBOX_SOAK=1 (not part of the normal test run).</summary>
public sealed class SoakFactAttribute : FactAttribute
{
    public SoakFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("AOTSANDBOX_SOAK") != "1")
        {
            Skip = "soak: set AOTSANDBOX_SOAK=1 (and AOTSANDBOX_SOAK_MINUTES, default 10)";
        }
    }
}

/// <summary>
/// Soaks under load from elsewhere (see <see cref="SoakRun"/>): steady create → exec → destroy workers while bursts
/// of concurrent sandboxes hit this emulator and a second instance, with CPU pressure on the host. Zero errors, nothing
/// left on either range, memory flat. The errors are printed before any other assertion, so a failure always shows
/// what started it. Figures are printed and written to /tmp/aotsb-soak*.txt.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class SoakTests(SoakFixture fixture)
{
    /// <summary>The normal-run variant: 75 s, two bursts of 30 + 20 sandboxes with 2 busy-looping processes for 15 s.</summary>
    [Fact]
    public Task BurstSoak_75Seconds_ZeroErrors_NothingLeft() =>
        SoakAsync(new SoakPlan(TimeSpan.FromSeconds(75), BurstEvery: TimeSpan.FromSeconds(25), BurstMain: 30, BurstOther: 20,
            PressureProcesses: 2, PressureFor: TimeSpan.FromSeconds(15))
        { SampleEvery = TimeSpan.FromSeconds(10) }, "/tmp/aotsb-soak-short.txt", memoryChecks: false);

    /// <summary>The long soak (AOTSANDBOX_SOAK_MINUTES, default 10): a burst of 30 + 20 sandboxes every minute.</summary>
    [SoakFact]
    public Task BurstSoak_ForMinutes_ZeroErrors_NothingLeft_FlatMemory()
    {
        double minutes = double.Parse(Environment.GetEnvironmentVariable("AOTSANDBOX_SOAK_MINUTES") ?? "10", CultureInfo.InvariantCulture);
        return SoakAsync(new SoakPlan(TimeSpan.FromMinutes(minutes), BurstEvery: TimeSpan.FromSeconds(60), BurstMain: 30, BurstOther: 20,
            PressureProcesses: 2, PressureFor: TimeSpan.FromSeconds(20)), "/tmp/aotsb-soak.txt", memoryChecks: true);
    }

    private async Task SoakAsync(SoakPlan plan, string reportPath, bool memoryChecks)
    {
        var run = new SoakRun(fixture, plan);
        await run.RunAsync();
        string report = run.Report($"burst soak {plan.Duration.TotalMinutes:0.##} min");
        Console.WriteLine(report);
        await File.WriteAllTextAsync(reportPath, report);

        // Errors first: the leftovers that follow an error are its consequences, not the story.
        Assert.True(run.Errors == 0, report);
        Assert.True(run.Leftovers.Count == 0, report);
        if (memoryChecks)
        {
            // Flat after warm-up, which includes the first burst (at 1 min): each sandbox's agent channel rents a 4 MiB
            // read buffer from the shared ArrayPool, and the pool keeps up to its per-core limit of them after a burst of
            // 50 (about 150 MiB of mostly untouched, so not resident, arrays that a forced GC still counts as heap).
            // Later bursts reuse them: compare the end with the first sample at or after two minutes.
            SoakRun.Sample warm = run.Samples.First(s => s.Minute >= 2);
            Assert.True(run.Samples[^1].HeapMb <= warm.HeapMb + 32, report);
            Assert.True(run.Samples[^1].RssMb <= warm.RssMb + 150, report);
        }
    }
}
