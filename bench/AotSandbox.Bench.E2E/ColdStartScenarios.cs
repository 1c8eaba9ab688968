using System.Globalization;
using static AotSandbox.Bench.E2E.ResultTable;

namespace AotSandbox.Bench.E2E;

/// <summary>The Native-AOT client's cold start beside an AOT hello world, and its RSS over a long output stream.</summary>
internal sealed class ColdStartScenarios(BenchEmulator emulator, ResultTable table, string clientPath, string helloPath)
{
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Quiet time before each iteration. The bench's own emulator works in the background after a create and a destroy
    /// (the pool refills 150 ms after a claim and starts a whole sandbox; a destroy tears one down), and on 2 cores that
    /// work landed on whichever start ran then, most often the next iteration's hello world. After the pause the hello
    /// world runs on an idle host; the client starts right after its sandbox's create (a warm server, as a real service
    /// is) and ends long before that create's refill begins.
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(400);

    public async Task ColdStartAsync(int iterations)
    {
        var hello = new Samples();
        var connected = new Samples();
        var main = new Samples();
        var exec = new Samples();
        var destroy = new Samples();
        SandboxConnectionOptions c = emulator.Connection();
        string[] clientArgs = ["attach", c.ApiHost!, c.Namespace!, c.ApiKey!];
        await SteadyStateAsync(n => AttachOnceAsync(emulator, $"bench-warm-{n}", clientArgs));
        for (int i = 0; i < iterations; i++)
        {
            await Task.Delay(Settle);
            await JitQuietAsync();
            (TimeSpan helloTime, Dictionary<string, double> m) = await AttachOnceAsync(emulator, $"bench-cold-{i}", clientArgs);
            hello.Add(helloTime);
            main.Add(m["main"]);
            connected.Add(m["connected"]);
            exec.Add(m["exec"] - m["connected"]);
            destroy.Add(m["destroyed"] - m["exec"]);
        }

        double ratio = connected.P50 / hello.P50;
        table.Add(new ResultRow(
            "AOT client cold start: process start → attached session (p50 / p90)",
            $"{F(connected.P50, "0.0")} / {F(connected.P90, "0.0")} ms",
            $"AOT hello world, start → exit: {F(hello.P50, "0.0")} / {F(hello.P90, "0.0")} ms",
            F(ratio) + "×",
            "≤ 2×",
            AtMost(ratio, 2)));
        table.Note($"AOT client milestones (p50): Main entered {F(main.P50, "0.0")} ms after Process.Start; Main → connected {F(connected.P50 - main.P50, "0.0")} ms (GET sandbox + TCP + upgrade + auth); then exec `true` {F(exec.P50, "0.0")} ms and destroy {F(destroy.P50, "0.0")} ms; n = {connected.Count}.");

        // Profile of "Main → connected" (stopwatch milestones in the client): a cold REST GET on its own, then the attach.
        var restCold = new Samples();
        var attachAfterRest = new Samples();
        for (int i = 0; i < 5; i++)
        {
            string sid;
            string stoken;
            await using (Sandbox prepared = await Sandbox.CreateAsync(emulator.Create($"bench-split-{i}")))
            {
                sid = prepared.Id;
                stoken = prepared.SessionToken!;
            }

            (int code, string output, long t0, _) = await ChildProcesses.RunAsync(clientPath, ["split", c.ApiHost!, c.Namespace!, c.ApiKey!, sid, stoken], ChildTimeout);
            Require(code == 0, "the AOT client (split) failed: " + output);
            Dictionary<string, double> m = ChildProcesses.Milestones(output, t0);
            restCold.Add(m["rest"] - m["main"]);
            attachAfterRest.Add(m["connected"] - m["rest"]);
        }

        table.Note($"Profile of the client's Main → connected (p50 of 5, separate runs): first REST GET (the SDK's own HTTP/1.1 client, cold: TCP connect, JSON, first socket use) {F(restCold.P50, "0.0")} ms; then AttachAsync (a GET on the kept-alive connection, the WebSocket upgrade on that same connection, auth; no OpenSSL on ws://) {F(attachAfterRest.P50, "0.0")} ms.");

        var createMode = new Samples();
        var createExec = new Samples();
        for (int i = 0; i < 3; i++)
        {
            (int code, string output, long t0, _) = await ChildProcesses.RunAsync(clientPath, ["create", c.ApiHost!, c.Namespace!, c.ApiKey!], ChildTimeout);
            Require(code == 0, "the AOT client (create) failed: " + output);
            Dictionary<string, double> m = ChildProcesses.Milestones(output, t0);
            createMode.Add(m["connected"]);
            createExec.Add(m["exec"]);
        }

        table.Note($"AOT client in create mode (p50 of 3): process start → created + connected {F(createMode.P50, "0.0")} ms, → first exec result {F(createExec.P50, "0.0")} ms.");
    }

    /// <summary>
    /// The same cold start against an emulator serving TLS with a private CA (<c>--ca FILE</c> to the client): reported
    /// beside the ws:// row, with OpenSSL's first load (milestone "ca") and the TLS connection apart. Each iteration
    /// runs hello world again, so the ratio pairs samples from the same moments of machine load.
    /// </summary>
    public async Task ColdStartWssAsync(BenchEmulator tlsEmulator, string authorityPemFile, int iterations)
    {
        var hello = new Samples();
        var connected = new Samples();
        var main = new Samples();
        var caLoaded = new Samples();
        SandboxConnectionOptions c = tlsEmulator.Connection();
        Require(c.ApiHost!.StartsWith("https://", StringComparison.Ordinal), "the TLS emulator answers on " + c.ApiHost);
        string[] clientArgs = ["attach", c.ApiHost!, c.Namespace!, c.ApiKey!];
        string[] caArgs = ["--ca", authorityPemFile];
        await SteadyStateAsync(n => AttachOnceAsync(tlsEmulator, $"bench-warmtls-{n}", clientArgs, caArgs));
        for (int i = 0; i < iterations; i++)
        {
            await Task.Delay(Settle);
            await JitQuietAsync();
            (TimeSpan helloTime, Dictionary<string, double> m) = await AttachOnceAsync(tlsEmulator, $"bench-coldtls-{i}", clientArgs, caArgs);
            hello.Add(helloTime);
            main.Add(m["main"]);
            caLoaded.Add(m["ca"] - m["main"]);
            connected.Add(m["connected"]);
        }

        double ratio = connected.P50 / hello.P50;
        table.Add(new ResultRow(
            "AOT client cold start over wss:// (TLS, private CA from a PEM file): process start → attached session (p50 / p90)",
            $"{F(connected.P50, "0.0")} / {F(connected.P90, "0.0")} ms",
            $"AOT hello world, start → exit: {F(hello.P50, "0.0")} / {F(hello.P90, "0.0")} ms",
            F(ratio) + "×",
            "reported beside ws:// (≤ 2× is for ws://)",
            "reported"));

        var restCold = new Samples();
        var attachAfterRest = new Samples();
        for (int i = 0; i < 5; i++)
        {
            string sid;
            string stoken;
            await using (Sandbox prepared = await Sandbox.CreateAsync(tlsEmulator.Create($"bench-splittls-{i}")))
            {
                sid = prepared.Id;
                stoken = prepared.SessionToken!;
            }

            (int code, string output, long t0, _) = await ChildProcesses.RunAsync(
                clientPath, ["split", c.ApiHost!, c.Namespace!, c.ApiKey!, sid, stoken, "--ca", authorityPemFile], ChildTimeout);
            Require(code == 0, "the AOT client (split, wss://) failed: " + output);
            Dictionary<string, double> m = ChildProcesses.Milestones(output, t0);
            restCold.Add(m["rest"] - m["ca"]);
            attachAfterRest.Add(m["connected"] - m["rest"]);
        }

        // The same split with the process's trust store reduced to the private CA (OpenSSL's SSL_CERT_FILE/SSL_CERT_DIR,
        // which .NET honours): what the TLS connection costs without .NET loading the system roots, which it does for the
        // first chain it builds whatever the trust mode (CustomRootTrust included).
        var restOnlyCa = new Samples();
        var onlyCa = new Dictionary<string, string> { ["SSL_CERT_FILE"] = authorityPemFile, ["SSL_CERT_DIR"] = Path.Combine(Path.GetDirectoryName(authorityPemFile)!, "no-such-dir") };
        for (int i = 0; i < 5; i++)
        {
            string sid;
            string stoken;
            await using (Sandbox prepared = await Sandbox.CreateAsync(tlsEmulator.Create($"bench-onlyca-{i}")))
            {
                sid = prepared.Id;
                stoken = prepared.SessionToken!;
            }

            (int code, string output, long t0, _) = await ChildProcesses.RunAsync(
                clientPath, ["split", c.ApiHost!, c.Namespace!, c.ApiKey!, sid, stoken, "--ca", authorityPemFile], ChildTimeout, environment: onlyCa);
            Require(code == 0, "the AOT client (split, wss://, only the CA trusted) failed: " + output);
            Dictionary<string, double> m = ChildProcesses.Milestones(output, t0);
            restOnlyCa.Add(m["rest"] - m["ca"]);
        }

        table.Note($"wss:// first REST GET with the trust store reduced to the private CA (SSL_CERT_FILE = the CA, SSL_CERT_DIR absent; p50 of 5): {F(restOnlyCa.P50, "0.0")} ms against {F(restCold.P50, "0.0")} ms with the system store: the difference is .NET loading the system roots for the first chain it builds (reading /etc/ssl/certs/ca-certificates.crt and then every file of /etc/ssl/certs, strace), which it does for a chain built only against custom roots too, so the SDK cannot avoid it in-process.");
        table.Note($"wss:// cold start (p50, n = {connected.Count}): Main entered {F(main.P50, "0.0")} ms after Process.Start; loading the CA PEM, the process's first use of OpenSSL (shim, libssl, libcrypto, openssl.cnf), {F(caLoaded.P50, "0.0")} ms; then → connected {F(connected.P50 - main.P50 - caLoaded.P50, "0.0")} ms. Split (p50 of 5, separate runs): first REST GET over a new TLS connection (TCP, handshake with chain validation against the CA, JSON) {F(restCold.P50, "0.0")} ms; then AttachAsync on that kept-alive TLS session (GET, upgrade, auth) {F(attachAfterRest.P50, "0.0")} ms.");
    }

    /// <summary>Streams <paramref name="bytes"/> of output into the AOT client and reads its RSS every 64 MiB.</summary>
    public async Task ClientRssAsync(long bytes)
    {
        string id;
        string token;
        await using (Sandbox prepared = await Sandbox.CreateAsync(emulator.Create("bench-rss", SandboxSize.Large)))
        {
            id = prepared.Id;
            token = prepared.SessionToken!;
        }

        SandboxConnectionOptions c = emulator.Connection();
        (int code, string output, long t0, _) = await ChildProcesses.RunAsync(
            clientPath, ["stream", c.ApiHost!, c.Namespace!, c.ApiKey!, id, token, bytes.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(5));
        Require(code == 0, "the AOT client (stream) failed: " + output);
        var samples = output.Split('\n')
            .Select(l => l.Trim().Split(' '))
            .Where(p => p is ["rss", _, _])
            .Select(p => (Received: long.Parse(p[1], CultureInfo.InvariantCulture), Rss: long.Parse(p[2], CultureInfo.InvariantCulture)))
            .ToList();
        Dictionary<string, double> m = ChildProcesses.Milestones(output, t0);
        long received = samples[^1].Received;
        var steady = samples.Where(s => s.Received >= 64L * 1024 * 1024).ToList();
        long growth = steady.Max(s => s.Rss) - steady[0].Rss;
        double seconds = (m["streamed"] - m["connected"]) / 1000;
        table.Add(new ResultRow(
            $"AOT client RSS while streaming {F(received / (1024.0 * 1024 * 1024), "0.00")} GiB of output",
            $"RSS {F(steady[0].Rss / 1048576.0, "0.0")} MiB at 64 MiB received, max {F(steady.Max(s => s.Rss) / 1048576.0, "0.0")} MiB after; growth {F(growth / 1048576.0, "0.00")} MiB",
            $"first sample (first output): {F(samples[0].Rss / 1048576.0, "0.0")} MiB",
            $"{F(received / 1e6 / seconds, "0")} MB/s end to end",
            "flat within 2 MB",
            growth <= 2 * 1024 * 1024 ? "met" : $"MISSED (grew {F(growth / 1048576.0, "0.00")} MiB)"));
        Sandbox leftover = await Sandbox.GetAsync(id, c);
        await leftover.DestroyAsync();
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>
    /// One measured unit: hello world, then a sandbox created in-process, then the AOT client attaching to it (exec
    /// `true`, destroy). Returns hello world's start → exit and the client's milestones (ms since its start).
    /// </summary>
    private async Task<(TimeSpan Hello, Dictionary<string, double> Milestones)> AttachOnceAsync(BenchEmulator server, string name, string[] clientArgs, string[]? extraArgs = null)
    {
        (int helloCode, string helloOut, long h0, long h1) = await ChildProcesses.RunAsync(helloPath, [], ChildTimeout);
        Require(helloCode == 0 && helloOut.Contains("hello, world", StringComparison.Ordinal), "AOT hello world failed: " + helloOut);

        // The sandbox exists before the client starts: the client's cold start is process start → attached session.
        string id;
        string token;
        await using (Sandbox prepared = await Sandbox.CreateAsync(server.Create(name)))
        {
            Require(server.Authority is null || prepared.WebSocketEndpoint.StartsWith("wss://", StringComparison.Ordinal), "the TLS emulator named " + prepared.WebSocketEndpoint);
            id = prepared.Id;
            token = prepared.SessionToken!;
        }

        (int code, string output, long t0, _) = await ChildProcesses.RunAsync(clientPath, [.. clientArgs, id, token, .. extraArgs ?? []], ChildTimeout);
        Require(code == 0, "the AOT client failed: " + output);
        return (System.Diagnostics.Stopwatch.GetElapsedTime(h0, h1), ChildProcesses.Milestones(output, t0));
    }

    /// <summary>
    /// Runs <paramref name="once"/> unmeasured, in batches of 10, until a batch leaves fewer than 20 methods compiled (at
    /// most 8 batches), so that the bench's in-process emulator is a warm server, as a running service is. Without it the
    /// runtime was still recompiling the emulator's and Kestrel's request paths at tier 1 while the AOT client was
    /// measured (`perf`: the tiered-compilation thread took 63 % of the process's samples over the scenario; `JitInfo`:
    /// 100–500 methods compiled per iteration), every answer was slower and the ratio 2.3–4× in such runs. The warm-up
    /// must be the measured unit itself and come in batches: the runtime starts counting calls only once no new method
    /// has been compiled for 100 ms. The published emulator, Native AOT, never compiles. The first runs also pull the
    /// binaries into the page cache.
    /// </summary>
    private async Task SteadyStateAsync(Func<int, Task> once)
    {
        int runs = 0;
        int batches = 0;
        long compiled = 0;
        while (batches < 8)
        {
            long before = System.Runtime.JitInfo.GetCompiledMethodCount();
            for (int i = 0; i < 10; i++)
            {
                await once(runs++);
            }

            await JitQuietAsync();
            batches++;
            compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - before;
            if (compiled < 20)
            {
                break;
            }
        }

        table.Note($"cold start warm-up: {runs} unmeasured runs in {batches} batches; the last batch left {compiled} methods compiled in this process (emulator + harness).");
    }

    /// <summary>Waits (at most 5 s) until this process has compiled no method for 200 ms.</summary>
    private static async Task JitQuietAsync()
    {
        long last = System.Runtime.JitInfo.GetCompiledMethodCount();
        for (int polls = 0, quiet = 0; polls < 100 && quiet < 4; polls++)
        {
            await Task.Delay(50);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }
}
