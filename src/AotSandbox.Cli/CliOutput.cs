namespace AotSandbox.Cli;

/// <summary>How the CLI reports: results on stdout, one clear line per error on stderr, non-zero exit codes.</summary>
internal static class CliOutput
{
    /// <summary>Exit code for a usage or runtime error.</summary>
    public const int ErrorExitCode = 1;

    /// <summary>Writes <c>aotsandbox: message</c> to stderr and returns <see cref="ErrorExitCode"/>.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"aotsandbox: {message}");
        return ErrorExitCode;
    }
}
