using System.Diagnostics;
using System.Security.Cryptography;
using static AotSandbox.Bench.E2E.ResultTable;

namespace AotSandbox.Bench.E2E;

/// <summary>The end-to-end measurements through the SDK and the emulator, each beside its floor measured just before.</summary>
internal sealed class EmulatorScenarios(BenchEmulator emulator, ResultTable table)
{
    /// <summary>
    /// create → first exec result, beside a bare bwrap /bin/true, twice: on this emulator with its pool full before each
    /// create ("pool warm": the create claims a pre-warmed sandbox), and on <paramref name="poolOff"/>, an emulator with
    /// no pool ("pool empty": every create starts its sandbox).
    /// </summary>
    public async Task CreateToFirstResultAsync(int iterations, BenchEmulator poolOff)
    {
        await CreateRowAsync(emulator, iterations, "pool warm", 1);
        await CreateRowAsync(poolOff, iterations, "pool empty", 3);
    }

    /// <summary>
    /// create → first exec result on <paramref name="imaged"/>, an emulator with no pool whose sandboxes use the image
    /// named <paramref name="imageLabel"/>: every create starts a sandbox on the image.
    /// </summary>
    public Task CreateWithImageAsync(int iterations, BenchEmulator imaged, string imageLabel) =>
        CreateRowAsync(imaged, iterations, $"pool empty, {imageLabel} image", 3);

    private async Task CreateRowAsync(BenchEmulator target, int iterations, string mode, double targetRatio)
    {
        var floor = new Samples();
        var ours = new Samples();
        var createPart = new Samples();
        for (int i = 0; i < iterations + 1; i++)
        {
            await target.WaitForFullPoolAsync();
            TimeSpan bare = await Floors.BareBwrapAsync();
            long t0 = Stopwatch.GetTimestamp();
            Sandbox sandbox = await Sandbox.CreateAsync(target.Create($"bench-create-{i}"));
            TimeSpan created = Stopwatch.GetElapsedTime(t0);
            ExecResult result = await sandbox.Exec("true");
            TimeSpan total = Stopwatch.GetElapsedTime(t0);
            await sandbox.DestroyAsync();
            await sandbox.DisposeAsync();
            Require(result.ExitCode == 0, "create → exec true failed");
            if (i == 0)
            {
                continue; // the first of each pays JIT and the runtime's one-time set-up
            }

            floor.Add(bare);
            ours.Add(total);
            createPart.Add(created);
        }

        double ratio = ours.P50 / floor.P50;
        table.Add(new ResultRow(
            $"create → first exec result, {mode} (p50 / p90)",
            $"{F(ours.P50, "0.0")} / {F(ours.P90, "0.0")} ms",
            $"bare `bwrap --unshare-all … /bin/true`: {F(floor.P50, "0.0")} / {F(floor.P90, "0.0")} ms",
            F(ratio) + "×",
            $"≤ {targetRatio:0}×",
            AtMost(ratio, targetRatio)));
        table.Note($"create → first result, {mode}, split (p50): CreateAsync (REST create incl. {(mode == "pool warm" ? "claiming a pre-warmed sandbox" : "sandbox start")} + WebSocket connect + auth) {F(createPart.P50, "0.0")} ms, then exec `true` {F(ours.P50 - createPart.P50, "0.0")} ms; n = {ours.Count}.");
    }

    /// <summary>exec round-trip of <c>true</c> on a live sandbox, beside a direct /bin/true spawn.</summary>
    public async Task ExecRoundTripAsync(int iterations)
    {
        await using Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("bench-rtt"));
        var floor = new Samples();
        var ours = new Samples();
        for (int i = 0; i < 5; i++)
        {
            await sandbox.Exec("true");
            await Floors.TrueAsync();
        }

        for (int i = 0; i < iterations; i++)
        {
            floor.Add(await Floors.TrueAsync());
            long t0 = Stopwatch.GetTimestamp();
            ExecResult result = await sandbox.Exec("true");
            ours.Add(Stopwatch.GetElapsedTime(t0));
            Require(result.ExitCode == 0, "exec true failed");
        }

        await sandbox.DestroyAsync();
        double ratio = ours.P50 / floor.P50;
        table.Add(new ResultRow(
            "exec round-trip of `true` (p50 / p90)",
            $"{F(ours.P50, "0.00")} / {F(ours.P90, "0.00")} ms",
            $"`/bin/true` via Process.Start: {F(floor.P50, "0.00")} / {F(floor.P90, "0.00")} ms",
            F(ratio) + "×",
            "≤ 3×",
            AtMost(ratio, 3)));
    }

    /// <summary>100 MB of printable output (base64 lines) streamed to an OnOutput handler, beside the same command read through a pipe on the host.</summary>
    public async Task StreamingAsync(long bytes, int iterations)
    {
        string command = $"head -c {bytes / 4 * 3} /dev/zero | base64";
        await using Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("bench-stream", SandboxSize.Large));
        var floor = new Samples();
        var ours = new Samples();
        long received = 0;
        var options = new ExecOptions { CaptureOutput = false, Timeout = TimeSpan.FromMinutes(5), OnOutput = (_, utf8) => received += utf8.Length };
        for (int i = 0; i < iterations; i++)
        {
            (long floorBytes, TimeSpan floorTime) = await Floors.PipeAsync(command);
            floor.Add(floorBytes / 1e6 / floorTime.TotalSeconds);
            received = 0;
            long t0 = Stopwatch.GetTimestamp();
            ExecResult result = await sandbox.Exec(command, options);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(t0);
            Require(result.ExitCode == 0 && received == floorBytes, $"streaming got {received} bytes (exit {result.ExitCode}), the host pipe {floorBytes}");
            ours.Add(received / 1e6 / elapsed.TotalSeconds);
        }

        await sandbox.DestroyAsync();
        double ratio = ours.P50 / floor.P50;
        table.Add(new ResultRow(
            $"stream {F(bytes / 1e6, "0")} MB of base64 output (MB/s, p50 of {iterations})",
            $"{F(ours.P50, "0")} MB/s",
            $"same command, stdout read through a host pipe: {F(floor.P50, "0")} MB/s",
            F(ratio) + "× of floor",
            "≥ 0.25× of floor",
            AtLeast(ratio, 0.25)));
    }

    /// <summary>
    /// Upload and download of a 50 MB file (file.range chunks carried as file.binary messages, the emulator's default),
    /// beside a tmpfs write/read on the host.
    /// </summary>
    public async Task FilesAsync(int megabytes, int iterations)
    {
        byte[] content = RandomNumberGenerator.GetBytes(megabytes * 1_000_000);
        await using Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("bench-files", SandboxSize.Large));
        Require(sandbox.Extensions.Contains(SandboxExtensionNames.FileRange), "the emulator does not advertise file.range");
        Require(sandbox.Extensions.Contains(SandboxExtensionNames.FileBinary), "the emulator does not advertise file.binary");
        var upload = new Samples();
        var download = new Samples();
        var floorWrite = new Samples();
        var floorRead = new Samples();
        for (int i = 0; i < iterations; i++)
        {
            (TimeSpan w, TimeSpan r) = await Floors.TmpfsFileAsync(content);
            floorWrite.Add(content.Length / 1e6 / w.TotalSeconds);
            floorRead.Add(content.Length / 1e6 / r.TotalSeconds);
            long t0 = Stopwatch.GetTimestamp();
            await sandbox.WriteFileAsync("big.bin", content);
            upload.Add(content.Length / 1e6 / Stopwatch.GetElapsedTime(t0).TotalSeconds);
            t0 = Stopwatch.GetTimestamp();
            byte[] back = await sandbox.ReadFileBytesAsync("big.bin");
            download.Add(content.Length / 1e6 / Stopwatch.GetElapsedTime(t0).TotalSeconds);
            Require(back.AsSpan().SequenceEqual(content), "the downloaded file differs from the upload");
        }

        await sandbox.DestroyAsync();
        table.Add(new ResultRow(
            $"upload {megabytes} MB (WriteFileAsync over file.binary, MB/s p50)",
            $"{F(upload.P50, "0")} MB/s",
            $"host tmpfs write: {F(floorWrite.P50, "0")} MB/s",
            F(upload.P50 / floorWrite.P50, "0.###") + "× of floor",
            "≥ 0.25× of floor",
            AtLeast(upload.P50 / floorWrite.P50, 0.25)));
        table.Add(new ResultRow(
            $"download {megabytes} MB (ReadFileBytesAsync over file.binary, MB/s p50)",
            $"{F(download.P50, "0")} MB/s",
            $"host tmpfs read: {F(floorRead.P50, "0")} MB/s",
            F(download.P50 / floorRead.P50, "0.###") + "× of floor",
            "≥ 0.25× of floor",
            AtLeast(download.P50 / floorRead.P50, 0.25)));
    }

    /// <summary>Many sandboxes × concurrent execs: zero errors required; latency beside the same number of concurrent host spawns.</summary>
    public async Task ConcurrencyAsync(int sandboxes, int execsEach)
    {
        var created = new Sandbox[sandboxes];
        long t0 = Stopwatch.GetTimestamp();
        await Parallel.ForAsync(0, sandboxes, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            created[i] = await Sandbox.CreateAsync(emulator.Create($"bench-load-{i}"), ct));
        TimeSpan createAll = Stopwatch.GetElapsedTime(t0);

        int total = sandboxes * execsEach;
        var floorTimes = new double[total];
        t0 = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, total).Select(async i => floorTimes[i] = (await Floors.TrueAsync()).TotalMilliseconds));
        TimeSpan floorWall = Stopwatch.GetElapsedTime(t0);

        var times = new double[total];
        int errors = 0;
        var firstErrors = new List<string>();
        t0 = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, total).Select(async i =>
        {
            Sandbox sandbox = created[i % sandboxes];
            long start = Stopwatch.GetTimestamp();
            try
            {
                ExecResult result = await sandbox.Exec($"echo {i}", new ExecOptions { Timeout = TimeSpan.FromSeconds(60) });
                if (result.ExitCode != 0 || result.Stdout != $"{i}\n")
                {
                    throw new InvalidOperationException($"exit {result.ExitCode}, stdout '{result.Stdout}'");
                }
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref errors);
                lock (firstErrors)
                {
                    if (firstErrors.Count < 3)
                    {
                        firstErrors.Add(ex.GetType().Name + ": " + ex.Message);
                    }
                }
            }

            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }));
        TimeSpan wall = Stopwatch.GetElapsedTime(t0);

        await Parallel.ForAsync(0, sandboxes, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            await created[i].DestroyAsync(ct);
            await created[i].DisposeAsync();
        });

        var ours = new Samples();
        var floor = new Samples();
        foreach (double t in times)
        {
            ours.Add(t);
        }

        foreach (double t in floorTimes)
        {
            floor.Add(t);
        }

        table.Add(new ResultRow(
            $"{sandboxes} sandboxes × {execsEach} concurrent execs ({total} at once; latency p50 / p90)",
            $"{errors} errors; {F(ours.P50, "0")} / {F(ours.P90, "0")} ms; wall {F(wall.TotalSeconds, "0.00")} s",
            $"{total} concurrent `/bin/true` spawns: {F(floor.P50, "0")} / {F(floor.P90, "0")} ms; wall {F(floorWall.TotalSeconds, "0.00")} s",
            F(wall.TotalSeconds / floorWall.TotalSeconds) + "× wall",
            "0 errors",
            errors == 0 ? "met" : $"MISSED ({errors} errors: {string.Join("; ", firstErrors)})"));
        table.Note($"{sandboxes} sandboxes created {8} at a time in {F(createAll.TotalSeconds, "0.0")} s ({F(createAll.TotalMilliseconds / sandboxes, "0")} ms each amortized).");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
