using System.Diagnostics;
using System.Globalization;
using System.Text;
using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;
using AotSandbox.IntegrationTests.Security;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>How long a soak runs and how hard its bursts hit.</summary>
internal sealed record SoakPlan(TimeSpan Duration, TimeSpan BurstEvery, int BurstMain, int BurstOther, int PressureProcesses, TimeSpan PressureFor)
{
    /// <summary>Steady workers on the main emulator, each looping create → detached + 10 execs + file round trip → destroy.</summary>
    public int Workers { get; init; } = 4;

    public TimeSpan SampleEvery { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// One soak: steady workers on the main emulator, and at every <see cref="SoakPlan.BurstEvery"/> a burst of concurrent
/// create → exec → destroy against the main emulator and the second one at once, while busy-looping processes load
/// the host's CPUs. Every failure is kept with its step and timing; every sandbox is destroyed in a finally; memory
/// and latency are sampled. <see cref="Report"/> lists errors first, then what was left on the host, then figures.
/// </summary>
internal sealed class SoakRun(SoakFixture fixture, SoakPlan plan)
{
    private const string NoSandboxKept = "(none)";
    private readonly Stopwatch _clock = new();
    private readonly List<string> _errors = [];
    private readonly Dictionary<string, string> _lastErrorBySandbox = [];
    private readonly List<Latency> _latencies = [];
    private readonly List<Sample> _samples = [];
    private readonly List<string> _refusals = [];
    private long _sandboxes, _execs, _burstSandboxes, _errorCount;
    private int _burstsRunning;
    private int _bursts;
    private TimeSpan _gcPauseAtStart;

    public long Errors => Interlocked.Read(ref _errorCount);

    public List<string> Leftovers { get; private set; } = [];

    public IReadOnlyList<Sample> Samples => _samples;

    public async Task RunAsync()
    {
        _gcPauseAtStart = GC.GetTotalPauseDuration();
        _clock.Start();
        DateTime end = DateTime.UtcNow + plan.Duration;
        var tasks = Enumerable.Range(0, plan.Workers).Select(w => WorkerAsync(w, end)).ToList();
        tasks.Add(SamplerAsync(end));
        tasks.Add(BurstsAsync(end));
        await Task.WhenAll(tasks);
        TakeSample();

        // Teardown is asynchronous (DELETE answers before the last cgroup is gone): give both ranges time to empty.
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while ((Leftovers = LeftoversNow()).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// What both ranges hold apart from the idle entries of the two emulators' pre-warmed pools (their own, alive as long
    /// as they are). An entry still starting is not among them, so the caller's polling waits for the pools to settle.
    /// </summary>
    private List<string> LeftoversNow()
    {
        string[] pooled = [NoSandboxKept, .. fixture.Main.Pool?.IdleIds ?? [], .. fixture.Other.Pool?.IdleIds ?? []];
        return
        [
            .. HostInventory.Leftovers(SoakFixture.MainRange, pooled),
            .. HostInventory.Leftovers(SoakFixture.OtherRange, pooled),
        ];
    }

    private async Task WorkerAsync(int worker, DateTime end)
    {
        for (int iteration = 0; DateTime.UtcNow < end; iteration++)
        {
            string who = $"worker {worker} iteration {iteration}";
            var steps = new StepClock(this, who);
            Sandbox? sb = null;
            bool destroyed = false;
            try
            {
                sb = await steps.RunAsync("create", () => Sandbox.CreateAsync(SoakFixture.Create(fixture.Main, $"soak-{worker}")));
                Interlocked.Increment(ref _sandboxes);
                steps.SandboxId = sb.Id;
                DetachedCommand background = await steps.RunAsync("start detached", () => sb.StartDetachedAsync("sleep 60"));
                for (int i = 0; i < 10; i++)
                {
                    string expected = $"{worker}-{i}\n" + new string('x', 2000);
                    await steps.RunAsync($"exec {i}", () => TimedExecAsync(sb, $"echo {worker}-{i}; head -c 2000 /dev/zero | tr '\\0' x", expected, SoakFixture.MainRange.CgroupParent));
                }

                byte[] payload = Encoding.UTF8.GetBytes("soak " + worker + " " + iteration);
                await steps.RunAsync("write file", () => sb.WriteFileAsync("f.txt", payload));
                byte[] back = await steps.RunAsync("read file", () => sb.ReadFileBytesAsync("f.txt"));
                if (!payload.SequenceEqual(back))
                {
                    throw new InvalidOperationException("file round trip differs");
                }

                await steps.RunAsync("kill detached", () => background.KillAsync("SIGKILL"));
                await steps.RunAsync("destroy", () => sb.DestroyAsync());
                destroyed = true;
            }
            catch (StepFailedException)
            {
                // Recorded by the step.
            }
            catch (Exception e)
            {
                steps.Record("check", e, TimeSpan.Zero);
            }
            finally
            {
                await DestroyQuietlyAsync(sb, destroyed, steps);
            }
        }
    }

    private async Task<bool> TimedExecAsync(Sandbox sb, string command, string expected, string cgroupParent)
    {
        bool inBurst = Volatile.Read(ref _burstsRunning) > 0;
        string cpuStat = $"/sys/fs/cgroup/cpu/{cgroupParent}/{sb.Id}/cpu.stat";
        long throttledBefore = ThrottledNanoseconds(cpuStat);
        var watch = Stopwatch.StartNew();
        double firstOutput = -1;
        ExecResult r = await sb.Exec(command, new ExecOptions
        {
            Timeout = TimeSpan.FromSeconds(30),
            OnOutput = (_, _) =>
            {
                if (firstOutput < 0)
                {
                    firstOutput = watch.Elapsed.TotalMilliseconds;
                }
            },
        });
        double total = watch.Elapsed.TotalMilliseconds;
        double throttledMs = (ThrottledNanoseconds(cpuStat) - throttledBefore) / 1e6;
        lock (_latencies)
        {
            _latencies.Add(new Latency(total, firstOutput, inBurst || Volatile.Read(ref _burstsRunning) > 0, _clock.Elapsed.TotalSeconds, throttledMs));
        }

        Interlocked.Increment(ref _execs);
        if (r.ExitCode != 0 || r.Stdout != expected)
        {
            throw new InvalidOperationException($"wrong result: exit {r.ExitCode}, {r.Stdout.Length} chars, stderr '{r.Stderr}'");
        }

        return true;
    }

    /// <summary>
    /// How long the sandbox's cgroup was held back by its CPU quota (cgroup v1 cpu.stat throttled_time, ns): the part
    /// of an exec's latency its own 0.5-CPU limit explains, as opposed to waiting for a CPU the host did not have.
    /// </summary>
    private static long ThrottledNanoseconds(string cpuStat)
    {
        try
        {
            foreach (string line in File.ReadLines(cpuStat))
            {
                if (line.StartsWith("throttled_time ", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan("throttled_time ".Length), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    private async Task DestroyQuietlyAsync(Sandbox? sb, bool destroyed, StepClock steps)
    {
        if (sb is null)
        {
            return;
        }

        if (!destroyed)
        {
            try
            {
                await steps.RunAsync("destroy (finally)", () => sb.DestroyAsync());
            }
            catch (StepFailedException)
            {
            }
        }

        await sb.DisposeAsync();
    }

    /// <summary>One burst at every interval: concurrent sandboxes on both emulators plus CPU pressure, all bounded in time.</summary>
    private async Task BurstsAsync(DateTime end)
    {
        while (true)
        {
            await Task.Delay(plan.BurstEvery);
            if (DateTime.UtcNow + TimeSpan.FromSeconds(10) >= end)
            {
                return;
            }

            int burst = ++_bursts;
            Interlocked.Increment(ref _burstsRunning);
            List<Process> pressure = StartCpuPressure();
            try
            {
                await Task.WhenAll(
                    Enumerable.Range(0, plan.BurstMain).Select(i => BurstOneAsync(fixture.Main, $"burst {burst} main #{i}", expectCapacity: true))
                        .Concat(Enumerable.Range(0, plan.BurstOther).Select(i => BurstOneAsync(fixture.Other, $"burst {burst} other #{i}", expectCapacity: false))));
            }
            finally
            {
                Interlocked.Decrement(ref _burstsRunning);
                foreach (Process p in pressure)
                {
                    await p.WaitForExitAsync(); // `timeout` ends it after PressureFor whatever happens to this test
                    p.Dispose();
                }
            }
        }
    }

    private List<Process> StartCpuPressure()
    {
        var started = new List<Process>();
        string seconds = plan.PressureFor.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
        for (int i = 0; i < plan.PressureProcesses; i++)
        {
            var info = new ProcessStartInfo("timeout") { UseShellExecute = false };
            foreach (string a in new[] { "-s", "KILL", seconds, "sh", "-c", "while :; do :; done" })
            {
                info.ArgumentList.Add(a);
            }

            started.Add(Process.Start(info) ?? throw new InvalidOperationException("could not start the CPU pressure process (timeout/sh)"));
        }

        return started;
    }

    /// <summary>
    /// create → 2 execs → destroy. On the second emulator, which admits fewer sandboxes than a burst asks for, a 429 is
    /// the expected clean refusal; it must say what to do, and leave nothing (the leftover check at the end sees it).
    /// </summary>
    private async Task BurstOneAsync(EmulatorServer server, string who, bool expectCapacity)
    {
        string cgroupParent = expectCapacity ? SoakFixture.MainRange.CgroupParent : SoakFixture.OtherRange.CgroupParent;
        var steps = new StepClock(this, who);
        Sandbox? sb = null;
        bool destroyed = false;
        try
        {
            try
            {
                sb = await Sandbox.CreateAsync(SoakFixture.Create(server, "burst"));
            }
            catch (SandboxClientException e) when (!expectCapacity && e.StatusCode == 429)
            {
                if (!e.Message.Contains("maximum number of sandboxes", StringComparison.Ordinal))
                {
                    throw;
                }

                lock (_refusals)
                {
                    _refusals.Add(e.Message);
                }

                return;
            }
            catch (Exception e)
            {
                steps.Record("create", e, TimeSpan.Zero);
                return;
            }

            Interlocked.Increment(ref _burstSandboxes);
            steps.SandboxId = sb.Id;
            for (int i = 0; i < 2; i++)
            {
                string expected = $"b{i}\n" + new string('x', 2000);
                await steps.RunAsync($"exec {i}", () => TimedExecAsync(sb, $"echo b{i}; head -c 2000 /dev/zero | tr '\\0' x", expected, cgroupParent));
            }

            await steps.RunAsync("destroy", () => sb.DestroyAsync());
            destroyed = true;
        }
        catch (StepFailedException)
        {
        }
        finally
        {
            await DestroyQuietlyAsync(sb, destroyed, steps);
        }
    }

    private async Task SamplerAsync(DateTime end)
    {
        while (DateTime.UtcNow < end)
        {
            TakeSample();
            await Task.Delay(plan.SampleEvery);
        }
    }

    private void TakeSample()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        string load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        string pressure = File.Exists("/proc/pressure/cpu")
            ? File.ReadLines("/proc/pressure/cpu").First().Split(' ')[1].Replace("avg10=", "", StringComparison.Ordinal)
            : "n/a";
        lock (_samples)
        {
            _samples.Add(new Sample(_clock.Elapsed.TotalMinutes, GC.GetTotalMemory(false) >> 20, self.WorkingSet64 >> 20,
                ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount, load, pressure));
        }
    }

    private void AddError(string line, string? sandboxId)
    {
        Interlocked.Increment(ref _errorCount);
        lock (_errors)
        {
            _errors.Add(line);
            if (sandboxId is not null)
            {
                _lastErrorBySandbox[sandboxId] = line;
            }
        }
    }

    /// <summary>Errors first (every one, with step and timing), then leftovers with the error that preceded each, then figures.</summary>
    public string Report(string title)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"== {title}");
        lock (_errors)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"errors: {_errors.Count}");
            foreach (string e in _errors)
            {
                text.AppendLine("  " + e);
            }
        }

        (string[] logged, int dropped) = fixture.Log.Snapshot();
        text.AppendLine(CultureInfo.InvariantCulture, $"emulator warnings/failures logged: {logged.Length + dropped}");
        foreach (string l in logged)
        {
            text.AppendLine("  " + l);
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"left on the host after teardown: {Leftovers.Count}");
        foreach (string l in Leftovers)
        {
            string? cause = _lastErrorBySandbox.FirstOrDefault(p => l.Contains(p.Key, StringComparison.Ordinal)).Value;
            text.AppendLine("  " + l + (cause is null ? "  (no error recorded for this sandbox)" : "  <- after: " + cause));
        }

        lock (_latencies)
        {
            var all = _latencies.Select(l => l.TotalMs).Order().ToList();
            var quiet = _latencies.Where(l => !l.InBurst).Select(l => l.TotalMs).Order().ToList();
            var loaded = _latencies.Where(l => l.InBurst).Select(l => l.TotalMs).Order().ToList();
            var firstOut = _latencies.Where(l => l.FirstOutputMs >= 0).Select(l => l.FirstOutputMs).Order().ToList();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"run {plan.Duration.TotalMinutes:0.##} min: {Interlocked.Read(ref _sandboxes)} worker sandboxes, {_bursts} bursts ({Interlocked.Read(ref _burstSandboxes)} burst sandboxes, {_refusals.Count} refused with 429), {Interlocked.Read(ref _execs)} execs, {Errors} errors");
            text.AppendLine("exec latency ms (all):            " + Percentiles(all));
            text.AppendLine("exec latency ms (outside bursts): " + Percentiles(quiet));
            text.AppendLine("exec latency ms (during bursts):  " + Percentiles(loaded));
            text.AppendLine("time to first output ms (all):    " + Percentiles(firstOut));
            var slow = _latencies.OrderByDescending(l => l.TotalMs).Take(10).ToList();
            text.AppendLine("slowest execs (ms total / first output / CPU-quota throttled / in burst / at s): " + string.Join(" ", slow.Select(l => $"({l.TotalMs:F0}/{l.FirstOutputMs:F0}/{l.ThrottledMs:F0}/{(l.InBurst ? "burst" : "quiet")}/{l.AtSecond:F0})")));
            if (all.Count > 0)
            {
                // The p99 explained: of the execs at or above it, how many ran during a burst, and how much of their time
                // their own cgroup's CPU quota held them back (the rest is waiting for a host CPU, or the path itself).
                double p99 = At(all, 0.99);
                var tail = _latencies.Where(l => l.TotalMs >= p99).ToList();
                var body = _latencies.Where(l => l.TotalMs < At(all, 0.5)).ToList();
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"p99 tail (>= {p99:F0} ms): {tail.Count} execs, {tail.Count(l => l.InBurst)} during bursts, {tail.Count(l => l.ThrottledMs > 0)} throttled by their CPU quota, mean throttled {tail.Average(l => l.ThrottledMs):F0} ms of mean {tail.Average(l => l.TotalMs):F0} ms; first output after mean {tail.Average(l => Math.Max(0, l.FirstOutputMs)):F0} ms"));
                if (body.Count > 0)
                {
                    text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"below p50: {body.Count} execs, {body.Count(l => l.ThrottledMs > 0)} throttled, mean throttled {body.Average(l => l.ThrottledMs):F1} ms of mean {body.Average(l => l.TotalMs):F1} ms"));
                }
            }
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"GC pause total during the run: {(GC.GetTotalPauseDuration() - _gcPauseAtStart).TotalMilliseconds:F0} ms (includes the sampler's forced full GCs)");
        lock (_samples)
        {
            text.AppendLine("samples (minute, managed heap MiB after full GC, RSS MiB, pool threads, pool queue, loadavg 1m, host CPU pressure 'some' avg10 %):");
            text.AppendLine("  " + string.Join(" ", _samples.Select(s => $"({s.Minute:F1},{s.HeapMb},{s.RssMb},{s.PoolThreads},{s.PoolQueue},{s.Load},{s.CpuPressure})")));
        }

        if (_refusals.Count > 0)
        {
            text.AppendLine("a refusal reads: " + _refusals[0]);
        }

        return text.ToString();
    }

    private static string Percentiles(List<double> sorted) => sorted.Count == 0
        ? "none"
        : string.Create(CultureInfo.InvariantCulture, $"n {sorted.Count}, p50 {At(sorted, 0.5):F1}, p90 {At(sorted, 0.9):F1}, p99 {At(sorted, 0.99):F1}, max {sorted[^1]:F1}");

    private static double At(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, p * sorted.Count)];

    internal readonly record struct Sample(double Minute, long HeapMb, long RssMb, int PoolThreads, long PoolQueue, string Load, string CpuPressure);

    private readonly record struct Latency(double TotalMs, double FirstOutputMs, bool InBurst, double AtSecond, double ThrottledMs);

    /// <summary>Times each step of one iteration and records a failure with its step, its duration and when it happened.</summary>
    private sealed class StepClock(SoakRun run, string who)
    {
        public string? SandboxId { get; set; }

        public async Task<T> RunAsync<T>(string step, Func<Task<T>> action)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                return await action();
            }
            catch (Exception e)
            {
                Record(step, e, watch.Elapsed);
                throw new StepFailedException();
            }
        }

        public Task RunAsync(string step, Func<Task> action) => RunAsync(step, async () =>
        {
            await action();
            return true;
        });

        public void Record(string step, Exception e, TimeSpan stepTook)
        {
            string inner = e.InnerException is { } i ? $" (inner {i.GetType().Name}: {i.Message})" : "";
            string status = e is SandboxException { StatusCode: { } code } ? $" [HTTP {code}]" : "";
            run.AddError(string.Create(CultureInfo.InvariantCulture,
                $"t+{run._clock.Elapsed.TotalSeconds:F1}s {who} sandbox {SandboxId ?? "-"} step '{step}' after {stepTook.TotalMilliseconds:F0} ms{(Volatile.Read(ref run._burstsRunning) > 0 ? " (during a burst)" : "")}: {e.GetType().Name}{status}: {e.Message}{inner}"),
                SandboxId);
        }
    }

    private sealed class StepFailedException : Exception;
}
