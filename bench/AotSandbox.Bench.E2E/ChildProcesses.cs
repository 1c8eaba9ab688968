using System.Diagnostics;
using System.Globalization;

namespace AotSandbox.Bench.E2E;

/// <summary>Builds the bench's helper programs and runs them, reading their "t NAME TIMESTAMP" milestones.</summary>
internal static class ChildProcesses
{
    /// <summary>The repository root (the folder holding AotSandbox.sln), found from this program's location.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Runs a program to its end within <paramref name="timeout"/>, returning its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, long StartTimestamp, long EndTimestamp)> RunAsync(
        string file, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, bool echo = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var cancel = new CancellationTokenSource(timeout);
        long t0 = Stopwatch.GetTimestamp();
        using Process process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        Task pump = PumpAsync(process.StandardOutput, output, echo);
        Task pumpErr = PumpAsync(process.StandardError, output, echo);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} ran past {timeout}.");
        }

        long t1 = Stopwatch.GetTimestamp();
        await Task.WhenAll(pump, pumpErr);
        return (process.ExitCode, output.ToString(), t0, t1);
    }

    /// <summary>Publishes a bench project Native-AOT into bench/.out/NAME and returns the executable's path.</summary>
    public static async Task<string> PublishAotAsync(string project)
    {
        string output = Path.Combine(RepositoryRoot, "bench", ".out", project);
        (int code, string log, _, _) = await RunAsync(
            "dotnet", ["publish", $"bench/{project}/{project}.csproj", "-c", "Release", "-o", output, "-nologo", "-v", "quiet"], TimeSpan.FromMinutes(6));
        if (code != 0)
        {
            throw new InvalidOperationException($"AOT publish of {project} failed:{Environment.NewLine}{log}");
        }

        return Path.Combine(output, project);
    }

    /// <summary>The milestones a helper printed, in milliseconds since <paramref name="startTimestamp"/> (just before Process.Start).</summary>
    public static Dictionary<string, double> Milestones(string output, long startTimestamp)
    {
        var milestones = new Dictionary<string, double>();
        foreach (string line in output.Split('\n'))
        {
            string[] parts = line.Trim().Split(' ');
            if (parts is ["t", string name, string stamp] && long.TryParse(stamp, CultureInfo.InvariantCulture, out long timestamp))
            {
                milestones[name] = Stopwatch.GetElapsedTime(startTimestamp, timestamp).TotalMilliseconds;
            }
        }

        return milestones;
    }

    private static async Task PumpAsync(StreamReader reader, System.Text.StringBuilder sink, bool echo)
    {
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            lock (sink)
            {
                sink.AppendLine(line);
            }

            if (echo)
            {
                Console.WriteLine(line);
            }
        }
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AotSandbox.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run the harness from inside the repository (AotSandbox.sln not found above " + AppContext.BaseDirectory + ").");
    }
}
