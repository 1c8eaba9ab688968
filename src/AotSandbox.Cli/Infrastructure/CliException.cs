namespace AotSandbox.Cli;

/// <summary>A failure whose message is already the one line the user should read.</summary>
internal sealed class CliException : Exception
{
    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The exit code to end with.</summary>
    public int ExitCode { get; init; } = CliOutput.ErrorExitCode;
}
