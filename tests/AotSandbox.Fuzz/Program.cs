using System.Diagnostics;
using System.Security.Cryptography;

namespace AotSandbox.Fuzz;

/// <summary>
/// Usage (see README.md):
///   dotnet run -c Release --project tests/AotSandbox.Fuzz -- [target|all] [--seconds N] [--seed S] [--max-length L]
///   dotnet tests/AotSandbox.Fuzz/bin/Release/net10.0/AotSandbox.Fuzz.dll TARGET --afl   (under afl-fuzz, SharpFuzz)
/// Exit code 0: no finding; 1: a finding was written to findings/TARGET/; 2: usage error.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string target = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
        double seconds = Option(args, "--seconds", 60);
        int seed = (int)Option(args, "--seed", Environment.TickCount);
        int maxLength = (int)Option(args, "--max-length", 4096);
        string root = AppContext.BaseDirectory;
        string corpusRoot = FindCorpus(root);

        if (args.Contains("--afl"))
        {
            if (!FuzzTargets.All.TryGetValue(target, out Action<byte[]>? single))
            {
                return Usage();
            }

            SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                single(copy.ToArray());
            });
            return 0;
        }

        string[] targets = target == "all" ? [.. FuzzTargets.All.Keys] : [target];
        if (targets.Any(t => !FuzzTargets.All.ContainsKey(t)))
        {
            return Usage();
        }

        int findings = 0;
        foreach (string name in targets)
        {
            findings += Run(name, FuzzTargets.All[name], Path.Combine(corpusRoot, name), seconds / targets.Length, seed, maxLength);
        }

        return findings == 0 ? 0 : 1;
    }

    private static int Run(string name, Action<byte[]> target, string corpusDirectory, double seconds, int seed, int maxLength)
    {
        var corpus = Directory.Exists(corpusDirectory)
            ? Directory.GetFiles(corpusDirectory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList()
            : [];
        if (corpus.Count == 0)
        {
            corpus.Add([]);
        }

        var mutator = new Mutator(seed);
        var watch = Stopwatch.StartNew();
        long executions = 0;
        var failures = new HashSet<string>(StringComparer.Ordinal);
        foreach (byte[] entry in corpus.ToArray())
        {
            Execute(name, target, entry, failures);
            executions++;
        }

        while (watch.Elapsed.TotalSeconds < seconds)
        {
            for (int batch = 0; batch < 256; batch++)
            {
                byte[] input = mutator.Mutate(corpus[(int)(executions % corpus.Count)], corpus, maxLength);
                Execute(name, target, input, failures);
                executions++;
            }
        }

        Console.WriteLine($"{name}: {executions:N0} executions in {watch.Elapsed.TotalSeconds:F1} s ({executions / Math.Max(0.001, watch.Elapsed.TotalSeconds):N0}/s), corpus {corpus.Count}, seed {seed}, findings {failures.Count}");
        return failures.Count;
    }

    private static void Execute(string name, Action<byte[]> target, byte[] input, HashSet<string> failures)
    {
        try
        {
            target(input);
        }
        catch (Exception e)
        {
            string signature = e.GetType().Name + " " + e.StackTrace?.Split('\n').FirstOrDefault()?.Trim();
            if (failures.Add(signature))
            {
                string directory = Path.Combine("findings", name);
                Directory.CreateDirectory(directory);
                string file = Path.Combine(directory, "crash-" + Convert.ToHexStringLower(SHA256.HashData(input))[..16]);
                File.WriteAllBytes(file, input);
                Console.WriteLine($"{name}: FINDING {signature}\n  {e.Message}\n  input saved to {file}");
            }
        }
    }

    private static string FindCorpus(string start)
    {
        for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "AotSandbox.Fuzz", "corpus");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "corpus");
    }

    private static double Option(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("targets: all, " + string.Join(", ", FuzzTargets.All.Keys));
        return 2;
    }
}
