using System.Diagnostics;
using System.Globalization;
using System.Text;
using AotSandbox.IntegrationTests.Security;

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
/// Bounded soak: for AOTSANDBOX_SOAK_MINUTES, four workers each loop create → 10 execs (+ a file round trip and a
/// detached command) → destroy, against the battery's emulator. Zero errors allowed; the emulator's managed heap
/// (after a full GC) and the process RSS must stay flat between the first minute and the end; the range must be clean
/// afterwards. Figures are printed and written to /tmp/aotsb-soak.txt.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class SoakTests(SecurityFixture fixture)
{
    [SoakFact]
    public async Task CreateExecDestroy_ForMinutes_ZeroErrors_FlatMemory()
    {
        double minutes = double.Parse(Environment.GetEnvironmentVariable("AOTSANDBOX_SOAK_MINUTES") ?? "10", CultureInfo.InvariantCulture);
        DateTime end = DateTime.UtcNow.AddMinutes(minutes);
        long sandboxes = 0, execs = 0, errors = 0;
        var errorSamples = new List<string>();
        var samples = new List<(double Minute, long HeapMb, long RssMb)>();
        var clock = Stopwatch.StartNew();
        var latencies = new List<double>();

        async Task WorkerAsync(int worker)
        {
            while (DateTime.UtcNow < end)
            {
                try
                {
                    await using Sandbox sb = await Sandbox.CreateAsync(fixture.Create("soak-" + worker));
                    Interlocked.Increment(ref sandboxes);
                    DetachedCommand background = await sb.StartDetachedAsync("sleep 60");
                    for (int i = 0; i < 10; i++)
                    {
                        var watch = Stopwatch.StartNew();
                        ExecResult r = await sb.Exec($"echo {worker}-{i}; head -c 2000 /dev/zero | tr '\\0' x", new ExecOptions { Timeout = TimeSpan.FromSeconds(30) });
                        lock (latencies)
                        {
                            latencies.Add(watch.Elapsed.TotalMilliseconds);
                        }

                        Interlocked.Increment(ref execs);
                        if (r.ExitCode != 0 || r.Stdout != $"{worker}-{i}\n" + new string('x', 2000))
                        {
                            throw new InvalidOperationException($"wrong result: exit {r.ExitCode}, {r.Stdout.Length} chars");
                        }
                    }

                    byte[] payload = Encoding.UTF8.GetBytes("soak " + worker);
                    await sb.WriteFileAsync("f.txt", payload);
                    byte[] back = await sb.ReadFileBytesAsync("f.txt");
                    if (!payload.SequenceEqual(back))
                    {
                        throw new InvalidOperationException("file round trip differs");
                    }

                    await background.KillAsync("SIGKILL");
                    await sb.DestroyAsync();
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref errors);
                    lock (errorSamples)
                    {
                        if (errorSamples.Count < 10)
                        {
                            errorSamples.Add(e.GetType().Name + ": " + e.Message);
                        }
                    }
                }
            }
        }

        async Task SamplerAsync()
        {
            while (DateTime.UtcNow < end)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                using var self = Process.GetCurrentProcess();
                samples.Add((clock.Elapsed.TotalMinutes, GC.GetTotalMemory(false) >> 20, self.WorkingSet64 >> 20));
                await Task.Delay(TimeSpan.FromSeconds(15));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(WorkerAsync).Append(SamplerAsync()));
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using (var self = Process.GetCurrentProcess())
        {
            samples.Add((clock.Elapsed.TotalMinutes, GC.GetTotalMemory(false) >> 20, self.WorkingSet64 >> 20));
        }

        await HostInventory.WaitEmptyApartFromAsync(fixture.Bystander.Id, TimeSpan.FromSeconds(30));
        latencies.Sort();
        string report = string.Join('\n',
            $"soak {minutes} min: {sandboxes} sandboxes created and destroyed, {execs} execs, {errors} errors",
            $"exec latency ms: p50 {Percentile(latencies, 0.5):F1}, p99 {Percentile(latencies, 0.99):F1}, max {(latencies.Count > 0 ? latencies[^1] : 0):F1}",
            "memory samples (minute, managed heap MiB after full GC, RSS MiB): " + string.Join(" ", samples.Select(s => $"({s.Minute:F1},{s.HeapMb},{s.RssMb})")),
            "errors: " + string.Join(" | ", errorSamples));
        Console.WriteLine(report);
        await File.WriteAllTextAsync("/tmp/aotsb-soak.txt", report + "\n");

        Assert.True(errors == 0, report);
        // Flat: compare the end with the first sample after warm-up (≥ 1 minute, or the 2nd sample on short runs).
        var warm = samples.FirstOrDefault(s => s.Minute >= Math.Min(1, minutes / 3));
        Assert.True(samples[^1].HeapMb <= warm.HeapMb + 32, report);
        Assert.True(samples[^1].RssMb <= warm.RssMb + 150, report);
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[(int)Math.Min(sorted.Count - 1, p * sorted.Count)];
}
