using System.Diagnostics;
using System.Text;

namespace AotSandbox.IntegrationTests.Cli;

/// <summary>What one run of the published `aotsandbox` produced.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, byte[] StdoutBytes, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs a process with a hard deadline (killed with its tree when it passes), stdin fed from bytes (or closed at once,
/// so the program never sees a terminal), and stdout kept as raw bytes for binary checks.
/// </summary>
internal static class CliProcess
{
    public static async Task<CliRun> RunAsync(string fileName, IEnumerable<string> args, IDictionary<string, string?> environment, byte[]? stdin, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach ((string key, string? value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        using var stdout = new MemoryStream();
        Task copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        Task<string> readErr = process.StandardError.ReadToEndAsync();
        Task feed = FeedAsync(process, stdin);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await Task.WhenAll(copyOut, readErr);
            throw new TimeoutException($"`aotsandbox {string.Join(' ', args)}` did not finish within {timeout.TotalSeconds:0}s (killed)\nstdout: {Encoding.UTF8.GetString(stdout.ToArray())}\nstderr: {await readErr}");
        }

        await Task.WhenAll(copyOut, readErr);
        try
        {
            await feed;
        }
        catch (IOException)
        {
            // The program exited without reading all of stdin; that is its business.
        }

        byte[] bytes = stdout.ToArray();
        return new CliRun(process.ExitCode, Encoding.UTF8.GetString(bytes), bytes, await readErr);
    }

    /// <summary>Sends SIGTERM (Process.Kill only sends SIGKILL).</summary>
    public static void Terminate(Process process)
    {
        using Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit(5000);
    }

    private static async Task FeedAsync(Process process, byte[]? stdin)
    {
        if (stdin is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(stdin);
        }

        process.StandardInput.Close();
    }
}
