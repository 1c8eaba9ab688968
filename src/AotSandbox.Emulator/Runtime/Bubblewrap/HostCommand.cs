using System.Diagnostics;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>Runs a short host tool (e.g. <c>ip netns</c>) and reports its failure as one line.</summary>
internal static class HostCommand
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new SandboxRuntimeException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var output = (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false));
        return (process.ExitCode, output.Trim());
    }

    public static async Task RunCheckedAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync(fileName, arguments, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new SandboxRuntimeException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} failed ({exitCode}): {output}");
        }
    }
}
