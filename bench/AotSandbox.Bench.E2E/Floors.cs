using System.Diagnostics;

namespace AotSandbox.Bench.E2E;

/// <summary>The physical floors: the same work done directly on the host, without the emulator or the SDK.</summary>
internal static class Floors
{
    /// <summary>A bare bubblewrap sandbox, no agent: every namespace, a read-only /usr, /proc and /dev.</summary>
    public static readonly string[] BareBwrapArguments =
    [
        "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--proc", "/proc", "--dev", "/dev", "/bin/true",
    ];

    /// <summary><c>/bin/true</c> spawned directly with <see cref="Process.Start(ProcessStartInfo)"/>, waited for.</summary>
    public static async Task<TimeSpan> SpawnAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        long t0 = Stopwatch.GetTimestamp();
        using Process process = Process.Start(start)!;
        await process.WaitForExitAsync();
        TimeSpan elapsed = Stopwatch.GetElapsedTime(t0);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited with {process.ExitCode}");
        }

        return elapsed;
    }

    public static Task<TimeSpan> TrueAsync() => SpawnAsync("/bin/true", []);

    public static Task<TimeSpan> BareBwrapAsync() => SpawnAsync("/usr/bin/bwrap", BareBwrapArguments);

    /// <summary>Reads a shell command's stdout through a pipe to its end; returns (bytes, elapsed).</summary>
    public static async Task<(long Bytes, TimeSpan Elapsed)> PipeAsync(string command)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        byte[] buffer = new byte[64 * 1024];
        long t0 = Stopwatch.GetTimestamp();
        using Process process = Process.Start(start)!;
        Stream stdout = process.StandardOutput.BaseStream;
        long total = 0;
        int read;
        while ((read = await stdout.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        await process.WaitForExitAsync();
        return (total, Stopwatch.GetElapsedTime(t0));
    }

    /// <summary>Writes then reads a file on tmpfs (/dev/shm), the medium the sandbox's /workspace lives on.</summary>
    public static async Task<(TimeSpan Write, TimeSpan Read)> TmpfsFileAsync(byte[] content)
    {
        string path = $"/dev/shm/aotsb-bench-{Environment.ProcessId}.bin";
        try
        {
            long t0 = Stopwatch.GetTimestamp();
            await File.WriteAllBytesAsync(path, content);
            TimeSpan write = Stopwatch.GetElapsedTime(t0);
            t0 = Stopwatch.GetTimestamp();
            byte[] back = await File.ReadAllBytesAsync(path);
            TimeSpan read = Stopwatch.GetElapsedTime(t0);
            if (back.Length != content.Length)
            {
                throw new InvalidOperationException("tmpfs read back a different length");
            }

            return (write, read);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
