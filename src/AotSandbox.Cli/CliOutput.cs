namespace AotSandbox.Cli;

/// <summary>How the CLI reports: results on stdout, one clear line per error on stderr, non-zero exit codes.</summary>
internal static class CliOutput
{
    /// <summary>Exit code for a usage or runtime error.</summary>
    public const int ErrorExitCode = 1;

    /// <summary>Exit code for a command line that does not parse (unknown option, missing argument), as most Unix tools use.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Exit code when a command ran out of its <c>--timeout</c> (as timeout(1) does).</summary>
    public const int TimeoutExitCode = 124;

    /// <summary>Exit code after Ctrl+C (128 + SIGINT).</summary>
    public const int InterruptedExitCode = 130;

    /// <summary>Writes <c>aotsandbox: message</c> to stderr and returns <see cref="ErrorExitCode"/>.</summary>
    public static int Fail(string message) => Fail(message, ErrorExitCode);

    /// <summary>An argument error's message without the " (Parameter 'x')" suffix meant for developers.</summary>
    public static string MessageOf(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal);

    /// <summary>Writes <c>aotsandbox: message</c> to stderr and returns <paramref name="exitCode"/>.</summary>
    public static int Fail(string message, int exitCode)
    {
        // One line, whatever the message carries: scripts grep stderr line by line.
        string line = message.ReplaceLineEndings(" ").Trim();
        Console.Error.WriteLine(Style.Error($"aotsandbox: {line}"));
        return exitCode;
    }
}
