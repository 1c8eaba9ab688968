using System.Diagnostics;
using System.Text;

namespace AotSandbox.Tests.Repository;

/// <summary>The repository this test assembly was built from, and its tracked text files (as git lists them).</summary>
internal static class RepositoryFiles
{
    /// <summary>The folder holding AotSandbox.sln, found upwards from the test assembly, wherever the clone lives.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Every tracked file that is text (no NUL byte in its first 8 KiB), as (repository-relative path, content).</summary>
    public static IReadOnlyList<(string Path, string Text)> TrackedText { get; } = ReadTrackedText();

    private static string FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "AotSandbox.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("AotSandbox.sln not found above " + AppContext.BaseDirectory + ": run the tests from a clone of the repository.");
    }

    private static List<(string, string)> ReadTrackedText()
    {
        var files = new List<(string, string)>();
        foreach (string relative in GitLsFiles())
        {
            string full = Path.Combine(Root, relative);
            if (!File.Exists(full))
            {
                continue; // deleted in the working tree but not yet committed
            }

            byte[] bytes = File.ReadAllBytes(full);
            if (bytes.AsSpan(0, Math.Min(bytes.Length, 8192)).Contains((byte)0))
            {
                continue;
            }

            files.Add((relative, Encoding.UTF8.GetString(bytes)));
        }

        return files;
    }

    private static List<string> GitLsFiles()
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "ls-files", "-z", "--cached", "--others", "--exclude-standard" })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("git did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("This test lists the repository's files with git, which is not installed: apt-get install -y git. (" + e.Message + ")", e);
        }

        using (process)
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"git ls-files failed in {Root} (exit {process.ExitCode}): {stderr.Result}. Run the tests from a git clone.");
            }

            return stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();
        }
    }
}
