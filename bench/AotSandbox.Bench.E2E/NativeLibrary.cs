using System.Globalization;
using static AotSandbox.Bench.E2E.ResultTable;

namespace AotSandbox.Bench.E2E;

/// <summary>
/// libaotsandbox.so (the C ABI in native/): its stripped size beside the AOT C# client's executable, the first call
/// (the runtime starting inside a C process) beside the AOT hello world's start → exit, and the C process's RSS after
/// create + exec beside the AOT C# client's at the same point. The C side is bench/native-probe/probe.c, built with cc
/// against native/include; every figure comes from processes run interleaved in this run.
/// </summary>
internal sealed class NativeLibrary(BenchEmulator emulator, ResultTable table, NativeProbe probe, string clientPath, string helloPath)
{
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Publishes the library into bench/.out/libaotsandbox (ILC skips unchanged inputs, like the other AOT programs'
    /// publishes) and compiles the probe against it with the rpath set, so the probe loads exactly that copy.
    /// </summary>
    public static async Task<NativeProbe> BuildAsync()
    {
        string root = ChildProcesses.RepositoryRoot;
        string output = Path.Combine(root, "bench", ".out", "libaotsandbox");
        (int code, string log, _, _) = await ChildProcesses.RunAsync(
            "dotnet", ["publish", "native/AotSandbox.Native", "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo", "-v", "quiet"], TimeSpan.FromMinutes(6));
        Require(code == 0, "publish of native/AotSandbox.Native failed:" + Environment.NewLine + log);
        string library = Path.Combine(output, "libaotsandbox.so");
        Require(File.Exists(library), "no " + library);

        string executable = Path.Combine(output, "probe");
        (code, log, _, _) = await ChildProcesses.RunAsync(
            "cc",
            ["-O2", "-Wall", "-Wextra", "-Werror", "-I", Path.Combine(root, "native", "include"), Path.Combine(root, "bench", "native-probe", "probe.c"),
             "-o", executable, "-L", output, "-laotsandbox", "-Wl,-rpath," + output],
            TimeSpan.FromMinutes(1));
        Require(code == 0, "cc of bench/native-probe/probe.c failed:" + Environment.NewLine + log);
        return new NativeProbe(library, executable);
    }

    public async Task MeasureAsync(int iterations)
    {
        var firstCall = new Samples();
        var startToFirstCall = new Samples();
        var hello = new Samples();
        var probeRss = new Samples();
        var clientRss = new Samples();
        var probeConnected = new Samples();
        var probeExec = new Samples();
        SandboxConnectionOptions c = emulator.Connection();
        string[] credentials = [c.ApiHost!, c.Namespace!, c.ApiKey!];
        for (int i = 0; i < iterations + 1; i++)
        {
            (int helloCode, string helloOut, long h0, long h1) = await ChildProcesses.RunAsync(helloPath, [], ChildTimeout);
            Require(helloCode == 0 && helloOut.Contains("hello, world", StringComparison.Ordinal), "AOT hello world failed: " + helloOut);

            (int code, string output, long t0, _) = await ChildProcesses.RunAsync(probe.Executable, credentials, ChildTimeout);
            Require(code == 0, "the C probe of libaotsandbox.so failed: " + output);
            Dictionary<string, double> m = ChildProcesses.Milestones(output, t0);

            (int clientCode, string clientOut, _, _) = await ChildProcesses.RunAsync(clientPath, ["create", .. credentials], ChildTimeout);
            Require(clientCode == 0, "the AOT client (create) failed: " + clientOut);
            if (i == 0)
            {
                continue; // first start pulls the binaries into the page cache
            }

            hello.Add(System.Diagnostics.Stopwatch.GetElapsedTime(h0, h1));
            firstCall.Add(Metric(output, "METRIC first_call_ms="));
            startToFirstCall.Add(m["first_call"]);
            probeConnected.Add(m["connected"]);
            probeExec.Add(m["exec"]);
            probeRss.Add(Metric(output, "METRIC rss_after_create_exec_kb=") * 1024);
            clientRss.Add(Metric(clientOut, "rss_after_create_exec "));
        }

        long soBytes = new FileInfo(probe.Library).Length;
        long clientBytes = new FileInfo(clientPath).Length;
        table.Add(new ResultRow(
            "libaotsandbox.so size (stripped; .dbg split out)",
            $"{soBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes",
            $"AOT C# client executable (same SDK; published with IlcDehydrate=false for start-up, type data stored expanded): {clientBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes",
            F((double)soBytes / clientBytes) + "×",
            "(reported)",
            "—"));

        table.Add(new ResultRow(
            "libaotsandbox.so first call from C, starts the runtime (p50 / p90)",
            $"`aotsb_abi_version()` {F(firstCall.P50, "0.0")} / {F(firstCall.P90, "0.0")} ms; C process start → first call returned {F(startToFirstCall.P50, "0.0")} / {F(startToFirstCall.P90, "0.0")} ms",
            $"AOT hello world, start → exit: {F(hello.P50, "0.0")} / {F(hello.P90, "0.0")} ms",
            F(startToFirstCall.P50 / hello.P50) + "× (start → first call)",
            "(reported)",
            "—"));

        table.Add(new ResultRow(
            "RSS after create + exec `true` (p50)",
            $"C process using libaotsandbox.so: {F(probeRss.P50 / 1048576.0, "0.0")} MiB",
            $"AOT C# client (create mode): {F(clientRss.P50 / 1048576.0, "0.0")} MiB",
            F(probeRss.P50 / clientRss.P50) + "×",
            "(reported)",
            "—"));
        table.Note($"C probe of libaotsandbox.so (p50, n = {firstCall.Count}, interleaved with the hello world and the AOT client in create mode): process start → created + connected {F(probeConnected.P50, "0.0")} ms, → first exec result {F(probeExec.P50, "0.0")} ms.");
    }

    private static double Metric(string output, string prefix)
    {
        foreach (string line in output.Split('\n'))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith(prefix, StringComparison.Ordinal))
            {
                return double.Parse(trimmed.AsSpan(prefix.Length), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no \"{prefix}\" line in: {output}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}

/// <summary>The published libaotsandbox.so and the C probe linked against it.</summary>
internal sealed record NativeProbe(string Library, string Executable);
