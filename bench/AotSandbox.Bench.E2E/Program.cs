using System.Diagnostics;
using AotSandbox;
using AotSandbox.Bench.E2E;

// The whole bench in one run (see bench/README.md): BenchmarkDotNet suite, AOT cold start, end-to-end against the
// emulator with real sandboxes. Writes bench/RESULTS.md. Options: --skip-bdn, --skip-e2e, --bdn-filter PATTERN;
// --only NAME[,NAME…] runs just those scenarios (bdn, roundtrip, create, streaming, files, concurrency, coldstart, rss,
// native); --out FILE writes the table there instead (a partial run must not overwrite the full RESULTS.md);
// --serve-only starts the bench emulator with one sandbox and prints how to reach it (for profiling by hand; --tls: over TLS).
if (Environment.UserName != "root")
{
    Console.Error.WriteLine("The end-to-end part runs real sandboxes (bubblewrap, cgroups, namespaces): run as root.");
    return 2;
}

if (args.Contains("--serve-only"))
{
    // For profiling by hand (strace, perf): the bench emulator plus one ready sandbox, until stdin closes. With --tls,
    // the TLS emulator of the wss:// row, and the CA file to give the AOT client as its last two arguments.
    using BenchTlsCertificates? tls = args.Contains("--tls") ? new BenchTlsCertificates() : null;
    await using BenchEmulator served = tls is null ? await BenchEmulator.StartAsync() : await BenchEmulator.StartTlsAsync(tls);
    await using Sandbox ready = await Sandbox.CreateAsync(served.Create("bench-profile", SandboxSize.Large));
    SandboxConnectionOptions c = served.Connection();
    Console.WriteLine($"{c.ApiHost} {c.Namespace} {c.ApiKey} {ready.Id} {ready.SessionToken}" + (tls is null ? "" : $" --ca {tls.AuthorityPemFile}"));
    await Console.In.ReadToEndAsync();
    return 0;
}

bool skipBdn = args.Contains("--skip-bdn");
bool skipE2E = args.Contains("--skip-e2e");
int filterAt = Array.IndexOf(args, "--bdn-filter");
string filter = filterAt >= 0 ? args[filterAt + 1] : "*";
int onlyAt = Array.IndexOf(args, "--only");
string[]? only = onlyAt >= 0 ? args[onlyAt + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
int outAt = Array.IndexOf(args, "--out");
bool Runs(string scenario) => only is null || only.Contains(scenario);

long started = Stopwatch.GetTimestamp();
var table = new ResultTable();
string machine = Machine.Describe();
Console.WriteLine(machine);
Console.WriteLine("| Measure | Ours | Baseline / floor | Ratio | Target | Verdict |");

string benchmarkTable = string.Empty;
if (!skipBdn && Runs("bdn"))
{
    Console.WriteLine("== BenchmarkDotNet suite (short in-process job) ==");
    benchmarkTable = await BenchmarkSuite.RunAsync(table, filter);
}

if (!skipE2E)
{
    bool cold = Runs("coldstart") || Runs("rss") || Runs("native");
    string client = string.Empty;
    string hello = string.Empty;
    if (cold)
    {
        Console.WriteLine("== AOT publish of the cold-start client and hello world ==");
        client = await ChildProcesses.PublishAotAsync("AotSandbox.Bench.ColdStart");
        hello = await ChildProcesses.PublishAotAsync("AotSandbox.Bench.Hello");
    }

    NativeProbe? probe = null;
    if (Runs("native"))
    {
        Console.WriteLine("== Publish of libaotsandbox.so and cc of its C probe ==");
        probe = await NativeLibrary.BuildAsync();
    }

    Console.WriteLine("== End to end against the emulator (real sandboxes) ==");
    await using BenchEmulator emulator = await BenchEmulator.StartAsync();
    var scenarios = new EmulatorScenarios(emulator, table);
    if (Runs("roundtrip"))
    {
        await scenarios.ExecRoundTripAsync(iterations: 50);
    }

    if (Runs("create"))
    {
        await using BenchEmulator poolOff = await BenchEmulator.StartAsync(poolOff: true);
        await scenarios.CreateToFirstResultAsync(iterations: 10, poolOff);
        // The same with the pinned default image (built into the machine's image cache if it is not there yet).
        await using BenchEmulator imaged = await BenchEmulator.StartAsync(poolOff: true, AotSandbox.Emulator.Runtime.Image.ImageReference.Default);
        await scenarios.CreateWithImageAsync(iterations: 10, imaged, "default");
    }

    if (Runs("streaming"))
    {
        await scenarios.StreamingAsync(bytes: 100_000_000, iterations: 3);
    }

    if (Runs("files"))
    {
        await scenarios.FilesAsync(megabytes: 50, iterations: 3);
    }

    if (Runs("concurrency"))
    {
        await scenarios.ConcurrencyAsync(sandboxes: 50, execsEach: 10);
    }

    var coldStart = new ColdStartScenarios(emulator, table, client, hello);
    if (Runs("coldstart"))
    {
        await coldStart.ColdStartAsync(iterations: 20);

        // wss:// beside it: the same client against an emulator serving TLS with a CA made for this run.
        using var tls = new BenchTlsCertificates();
        await using BenchEmulator tlsEmulator = await BenchEmulator.StartTlsAsync(tls);
        await coldStart.ColdStartWssAsync(tlsEmulator, tls.AuthorityPemFile, iterations: 10);
    }

    if (Runs("rss"))
    {
        await coldStart.ClientRssAsync(bytes: 1L << 30);
    }

    if (probe is not null)
    {
        await new NativeLibrary(emulator, table, probe, client, hello).MeasureAsync(iterations: 5);
    }
}

TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
string results = outAt >= 0 ? Path.GetFullPath(args[outAt + 1]) : Path.Combine(ChildProcesses.RepositoryRoot, "bench", "RESULTS.md");
await File.WriteAllTextAsync(results, table.ToMarkdown(machine, benchmarkTable, elapsed));
Console.WriteLine($"Wrote {results} in {elapsed.TotalMinutes:0.0} min.");
return 0;
