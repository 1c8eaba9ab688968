using System.Text.Json;
using static AotSandbox.Bench.E2E.ResultTable;

namespace AotSandbox.Bench.E2E;

/// <summary>
/// Runs bench/AotSandbox.Benchmarks (BenchmarkDotNet, short in-process job) as a child process and turns its JSON report
/// into target rows. A child process, so BenchmarkDotNet's process-wide allocation counters see only the benchmarks.
/// </summary>
internal static class BenchmarkSuite
{
    public static async Task<string> RunAsync(ResultTable table, string filter)
    {
        string root = ChildProcesses.RepositoryRoot;
        string artifacts = Path.Combine(root, "bench", ".out", "BenchmarkDotNet.Artifacts");
        if (Directory.Exists(artifacts))
        {
            Directory.Delete(artifacts, recursive: true);
        }

        (int built, string buildLog, _, _) = await ChildProcesses.RunAsync(
            "dotnet", ["build", "bench/AotSandbox.Benchmarks/AotSandbox.Benchmarks.csproj", "-c", "Release", "-nologo", "-v", "quiet"], TimeSpan.FromMinutes(5));
        if (built != 0)
        {
            throw new InvalidOperationException("Building the benchmarks failed:" + Environment.NewLine + buildLog);
        }

        string dll = Path.Combine(root, "bench", "AotSandbox.Benchmarks", "bin", "Release", "net10.0", "AotSandbox.Benchmarks.dll");
        (int code, string log, _, _) = await ChildProcesses.RunAsync(
            "dotnet", [dll, "--filter", filter, "--artifacts", artifacts], TimeSpan.FromMinutes(9));
        if (code != 0)
        {
            throw new InvalidOperationException("BenchmarkDotNet failed:" + Environment.NewLine + log);
        }

        string results = Path.Combine(artifacts, "results");
        string json = Directory.GetFiles(results, "*-report-full.json").Single();
        string markdown = File.ReadAllText(Directory.GetFiles(results, "*-report-github.md").Single());
        AddRows(table, json);
        return markdown;
    }

    private static void AddRows(ResultTable table, string jsonPath)
    {
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var cases = report.RootElement.GetProperty("Benchmarks").EnumerateArray().Select(b => new BenchCase(
            b.GetProperty("Type").GetString()!,
            b.GetProperty("Method").GetString()!,
            b.GetProperty("Parameters").GetString() ?? string.Empty,
            b.TryGetProperty("Statistics", out JsonElement s) && s.ValueKind == JsonValueKind.Object ? s.GetProperty("Median").GetDouble() : double.NaN,
            b.TryGetProperty("Memory", out JsonElement m) ? m.GetProperty("BytesAllocatedPerOperation").GetDouble() : double.NaN)).ToList();

        foreach (var group in cases.Where(c => c.Type == "FrameDecodeBenchmarks").GroupBy(c => c.Parameters))
        {
            BenchCase baseline = group.Single(c => c.Method == "ManagedWebSocketJsonSerializer");
            BenchCase document = group.Single(c => c.Method == "ManagedWebSocketJsonDocument");
            BenchCase ours = group.Single(c => c.Method == "OursTransportAndFrameReader");
            BenchCase parsers = group.Single(c => c.Method == "ParsersOverBytes");
            double ratio = baseline.MedianNs / ours.MedianNs;
            table.Add(new ResultRow(
                $"frame parse + exec.output decode ({group.Key}; per frame)",
                $"{F(ours.MedianNs, "0")} ns, {F(ours.BytesPerFrame, "0")} B (transport + reader); parsers alone {F(parsers.MedianNs, "0")} ns, {F(parsers.BytesPerFrame, "0")} B",
                $"ManagedWebSocket + JsonSerializer: {F(baseline.MedianNs, "0")} ns, {F(baseline.BytesPerFrame, "0")} B (JsonDocument: {F(document.MedianNs, "0")} ns, {F(document.BytesPerFrame, "0")} B)",
                F(ratio) + "× throughput",
                "≥ 3×, 0 B/frame",
                ratio >= 3 && ours.BytesPerFrame == 0 ? "met" : $"{(ratio >= 3 ? "throughput met" : AtLeast(ratio, 3))}; {(ours.BytesPerFrame == 0 ? "0 B met" : $"MISSED ({F(ours.BytesPerFrame, "0")} B/frame)")}"));
        }

        List<BenchCase> write = [.. cases.Where(c => c.Type == "FrameWriteBenchmarks")];
        if (write.Count == 2)
        {
            BenchCase baseline = write.Single(c => c.Method == "ManagedWebSocketJsonSerializer");
            BenchCase ours = write.Single(c => c.Method == "Ours");
            table.Add(new ResultRow(
                "exec.input frame write, 256 chars (per frame)",
                $"{F(ours.MedianNs, "0")} ns, {F(ours.BytesPerFrame, "0")} B",
                $"JsonSerializer + ManagedWebSocket.SendAsync: {F(baseline.MedianNs, "0")} ns, {F(baseline.BytesPerFrame, "0")} B",
                F(baseline.MedianNs / ours.MedianNs) + "× throughput",
                "(reported)",
                "—"));
        }

        List<BenchCase> loop = [.. cases.Where(c => c.Type == "LoopbackStreamingBenchmarks")];
        if (loop.Count == 2)
        {
            BenchCase baseline = loop.Single(c => c.Method == "ClientWebSocketJsonSerializer");
            BenchCase ours = loop.Single(c => c.Method == "OursSdkSession");
            const double bytesPerFrame = 16 * 1024 / 77 * 77;
            double oursMbs = bytesPerFrame / ours.MedianNs * 1e3;
            double baseMbs = bytesPerFrame / baseline.MedianNs * 1e3;
            double ratio = oursMbs / baseMbs;
            table.Add(new ResultRow(
                "loopback streaming from Kestrel, 16 KiB exec.output frames (MB/s, B/frame)",
                $"{F(oursMbs, "0")} MB/s, {F(ours.BytesPerFrame, "0.#")} B/frame (SDK session)",
                $"ClientWebSocket + JsonSerializer: {F(baseMbs, "0")} MB/s, {F(baseline.BytesPerFrame, "0")} B/frame",
                F(ratio) + "×",
                "≥ 1.5×",
                AtLeast(ratio, 1.5)));
        }
    }

    private sealed record BenchCase(string Type, string Method, string Parameters, double MedianNs, double BytesPerFrame);
}
