using System.CommandLine;

namespace AotSandbox.Cli;

/// <summary>
/// Runs a command body and turns every expected failure into one stderr line plus an exit code, so no command prints
/// a stack trace for a missing sandbox, a refused key or an unreachable host.
/// </summary>
internal static class CliAction
{
    public static void Set(Command command, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction((result, cancellationToken) => RunAsync(result, body, cancellationToken));

    private static async Task<int> RunAsync(ParseResult result, Func<ParseResult, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(result, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            return CliOutput.Fail(e.Message, e.ExitCode);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CliOutput.Fail("interrupted", CliOutput.InterruptedExitCode);
        }
        catch (SandboxNotFoundException e)
        {
            return CliOutput.Fail($"not found: {e.Message}");
        }
        catch (SandboxUnauthorizedException e)
        {
            return CliOutput.Fail($"refused: {e.Message} (check __OW_API_KEY / --api-key)");
        }
        catch (SandboxTimeoutException e)
        {
            return CliOutput.Fail(e.Message, CliOutput.TimeoutExitCode);
        }
        catch (SandboxException e)
        {
            return CliOutput.Fail(e.Message);
        }
        catch (InvalidDataException e)
        {
            return CliOutput.Fail(e.Message);
        }
        catch (ArgumentException e)
        {
            return CliOutput.Fail(CliOutput.MessageOf(e));
        }
        catch (IOException e)
        {
            return CliOutput.Fail(e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return CliOutput.Fail(e.Message);
        }
    }
}
