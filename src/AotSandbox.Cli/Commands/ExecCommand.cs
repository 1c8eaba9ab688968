using System.CommandLine;
using System.Globalization;
using AotSandbox.Cli.Terminal;

namespace AotSandbox.Cli.Commands;

/// <summary>
/// `aotsandbox exec ID [--detach] [--timeout S] -- COMMAND...`: runs a command in /workspace with live output; its exit
/// code becomes the CLI's. With --detach it prints the exec id and returns (see `attach`, `kill`). With -it it runs on a
/// pseudo-terminal wired to this one, like `shell`.
/// </summary>
internal static class ExecCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Sandbox id." };
        var words = new Argument<string[]>("command")
        {
            Description = "The command (one argument is a shell string; several are quoted like argv). Put it after --.",
            Arity = ArgumentArity.OneOrMore,
        };
        var detach = new Option<bool>("--detach", "-d") { Description = "Run in the background; print the exec id and return." };
        var timeout = new Option<double?>("--timeout", "-t") { Description = "Seconds before the command is killed (SIGTERM); exit code 124." };
        var json = new Option<bool>("--json") { Description = "With --detach: print {execId, pid, startedAt} as JSON." };
        // `-it` as one alias, as docker users type it (-t alone stays --timeout).
        var tty = new Option<bool>("--interactive-tty", "-it") { Description = "Interactive: run on a terminal in the sandbox wired to this one (raw mode, Ctrl-C and window size passed through), like `shell`. Needs a terminal and the exec.pty extension." };
        var command = new Command("exec", "Run a command in a sandbox; output streams live, its exit code is returned.") { id, words, detach, timeout, json, tty };
        CliAction.Set(command, async (result, cancellationToken) =>
        {
            string line = ShellCommandLine.Join(result.GetValue(words)!);
            TimeSpan? limit = result.GetValue(timeout) is { } seconds
                ? (seconds > 0 ? TimeSpan.FromSeconds(seconds) : throw new CliException("--timeout must be a positive number of seconds"))
                : null;
            bool interactive = result.GetValue(tty);
            if (interactive && (result.GetValue(detach) || limit is not null))
            {
                throw new CliException("-it cannot be combined with --detach or --timeout: an interactive command lives as long as its terminal")
                {
                    ExitCode = CliOutput.UsageExitCode,
                };
            }

            if (interactive)
            {
                ShellSession.RequireTerminal();
            }

            await using Sandbox sandbox = await Endpoint.AttachAsync(result, result.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            if (interactive)
            {
                return await ShellSession.RunAsync(sandbox, line, cancellationToken).ConfigureAwait(false);
            }

            return result.GetValue(detach)
                ? await DetachAsync(sandbox, line, limit, result.GetValue(json), cancellationToken).ConfigureAwait(false)
                : await RunAsync(sandbox, line, limit, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(Sandbox sandbox, string line, TimeSpan? limit, CancellationToken cancellationToken)
    {
        using var sink = new OutputSink();
        ExecTask task = sandbox.Exec(line, new ExecOptions
        {
            Timeout = limit,
            OnOutput = sink.Handler,
            CaptureOutput = false,
            CancellationToken = cancellationToken,
        });

        // Not awaited to the end: the command's exit decides, even if our stdin never closes.
        using var stopPump = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken); // lives until exit
        Task pump = StdinPump.RunAsync(sandbox, task.ExecId, stopPump.Token);
        ExecResult exit;
        try
        {
            exit = await task;
        }
        catch (SandboxTimeoutException)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"command timed out after {limit!.Value.TotalSeconds:0.###}s (killed with SIGTERM)"))
            {
                ExitCode = CliOutput.TimeoutExitCode,
            };
        }
        finally
        {
            // Not awaited: a read from a pipe that never closes ignores cancellation, and the command has ended anyway.
            // The continuation only observes a late failure (e.g. input for a command that already exited).
            await stopPump.CancelAsync().ConfigureAwait(false);
            _ = pump.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        if (exit.Destroyed || exit.ExitCode is null)
        {
            throw new CliException("the sandbox was destroyed while the command ran");
        }

        return ExitCodes.FromCommand(exit.ExitCode.Value);
    }

    private static async Task<int> DetachAsync(Sandbox sandbox, string line, TimeSpan? limit, bool json, CancellationToken cancellationToken)
    {
        DetachedCommand started = await sandbox.StartDetachedAsync(line, new DetachedExecOptions { Timeout = limit }, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            JsonOut.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("execId", started.ExecId);
                if (started.Pid is { } pid)
                {
                    writer.WriteNumber("pid", pid);
                }

                if (started.StartedAt is { } at)
                {
                    writer.WriteString("startedAt", at);
                }

                writer.WriteEndObject();
            });
        }
        else
        {
            Console.Out.WriteLine(started.ExecId);
        }

        return 0;
    }
}
