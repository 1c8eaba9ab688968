using System.Globalization;
using System.Text;

namespace AotSandbox.Bench.E2E;

/// <summary>One line of the results: ours, its baseline or floor from the same run, the ratio and the target.</summary>
internal sealed record ResultRow(string Measure, string Ours, string Floor, string Ratio, string Target, string Verdict, string Note = "");

/// <summary>Collects rows, prints them and renders bench/RESULTS.md.</summary>
internal sealed class ResultTable
{
    private readonly List<ResultRow> _rows = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<ResultRow> Rows => _rows;

    public void Add(ResultRow row)
    {
        _rows.Add(row);
        Console.WriteLine($"| {row.Measure} | {row.Ours} | {row.Floor} | {row.Ratio} | {row.Target} | {row.Verdict} |");
    }

    public void Note(string text)
    {
        _notes.Add(text);
        Console.WriteLine("note: " + text);
    }

    public static string F(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>"met" / "missed by X%" for a ratio that must stay at or under <paramref name="limit"/>.</summary>
    public static string AtMost(double ratio, double limit)
        => ratio <= limit ? "met" : $"MISSED (ratio {F(ratio)} vs ≤ {F(limit)}: {F(((ratio / limit) - 1) * 100, "0")}% over)";

    /// <summary>"met" / "missed" for a ratio that must reach <paramref name="limit"/>.</summary>
    public static string AtLeast(double ratio, double limit)
        => ratio >= limit ? "met" : $"MISSED (ratio {F(ratio)} vs ≥ {F(limit)}: {F((1 - (ratio / limit)) * 100, "0")}% short)";

    public string ToMarkdown(string machine, string benchmarkTable, TimeSpan elapsed)
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmark results");
        md.AppendLine();
        md.AppendLine("Written by `dotnet run -c Release --project bench/AotSandbox.Bench.E2E` (see bench/README.md). Every ratio");
        md.AppendLine("compares ours with a baseline or physical floor measured in the same run on the same machine.");
        md.AppendLine();
        md.AppendLine(machine);
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Harness wall time: {F(elapsed.TotalMinutes, "0.0")} min.");
        md.AppendLine();
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| Measure | Ours | Baseline / floor (same run) | Ratio | Target | Verdict |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (ResultRow row in _rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {row.Measure} | {row.Ours} | {row.Floor} | {row.Ratio} | {row.Target} | {row.Verdict} |");
        }

        md.AppendLine();
        if (_notes.Count > 0)
        {
            md.AppendLine("## Notes from this run");
            md.AppendLine();
            foreach (string note in _notes)
            {
                md.AppendLine("- " + note);
            }

            md.AppendLine();
        }

        // Hand-written profiles behind the verdicts (what bounds a missed target), kept beside the generated table.
        string profiles = Path.Combine(ChildProcesses.RepositoryRoot, "bench", "PROFILE-NOTES.md");
        if (File.Exists(profiles))
        {
            md.AppendLine(File.ReadAllText(profiles).TrimEnd());
            md.AppendLine();
        }

        if (!string.IsNullOrEmpty(benchmarkTable))
        {
            md.AppendLine("## BenchmarkDotNet summary (this run)");
            md.AppendLine();
            md.AppendLine("Mean and Allocated are per frame (each invocation handles a fixed number of frames, `OperationsPerInvoke`).");
            md.AppendLine();
            md.AppendLine(benchmarkTable);
        }

        return md.ToString();
    }
}
