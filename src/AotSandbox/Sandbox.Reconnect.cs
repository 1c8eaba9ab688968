using System.Security.Cryptography;
using AotSandbox.Session;

namespace AotSandbox;

/// <summary>
/// Reconnection after a lost connection: a new session with the same token, and every detached command that was
/// running resumed on it (docs/PROTOCOL.md §3.11). With <c>exec.replay</c> the resume is lossless: the server resends
/// the retained output from the start and each handle drops the bytes it already delivered.
/// </summary>
public sealed partial class Sandbox
{
    /// <summary>First pause of automatic reconnection; doubles per attempt up to <see cref="MaxReconnectDelay"/>, ±25 % jitter.</summary>
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(8);

    /// <summary>Detached commands to resume on the next session (under <see cref="_connectGate"/>).</summary>
    private readonly HashSet<PendingExec> _resumable = [];

    /// <summary>One resume at a time: two concurrent <c>exec.get</c> for one command would share one reply slot.</summary>
    private readonly SemaphoreSlim _resumeLock = new(1, 1);

    /// <summary>1 while an automatic reconnection runs; 1 for good once the instance is closed by its owner.</summary>
    private int _autoReconnecting;

    private volatile bool _closedByOwner;

    /// <summary>
    /// Re-establishes the data-plane session after the connection was lost (same token) and resumes every detached
    /// command this instance was following: their output continues in the same handlers and their
    /// <see cref="DetachedCommand.WaitAsync"/> waits again. When the service advertises <c>exec.replay</c>, output
    /// printed while disconnected is delivered too, each byte exactly once (as long as the service still retains it:
    /// 1 MiB per command on the emulator); without it, output resumes from now on and a command that ended meanwhile
    /// fails its wait with <see cref="SandboxCommandNotFoundException"/>. Foreground commands are not resumed (the service
    /// ends them with their connection). Returns at once when connected and nothing is left to resume.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when connected and every command is resumed.</returns>
    /// <exception cref="SandboxUnauthorizedException">The token was rejected.</exception>
    /// <exception cref="SandboxWebSocketException">The connection could not be opened.</exception>
    public async Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        await _resumeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ResumeCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _resumeLock.Release();
        }
    }

    private async Task ResumeCoreAsync(CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        SandboxSession session = RequireSession();
        PendingExec[] toResume;
        lock (_connectGate)
        {
            toResume = [.. _resumable];
        }

        bool replay = HasExtension(SandboxExtensionNames.ExecReplay);
        foreach (PendingExec exec in toResume)
        {
            exec.ReArmExit();
            try
            {
                await session.ResumeAsync(exec, replay, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxCommandNotFoundException ex)
            {
                // The service no longer knows it: it ended while the connection was down and is not retained.
                exec.Fail(new SandboxCommandNotFoundException(
                    $"Command '{exec.ExecId}' could not be resumed after the reconnect: {ex.Message}. It ended while the connection was down " +
                    "and the service no longer reports it, so its exit code and the output it printed meanwhile are lost.", ex)
                {
                    ErrorCode = ex.ErrorCode,
                });
            }

            // Resumed or settled; a resume cut by another lost connection is handed back by that session.
            lock (_connectGate)
            {
                _resumable.Remove(exec);
            }
        }
    }

    /// <summary>Called when a session ended: keeps its still-running detached commands, and reconnects when asked to.</summary>
    private void OnSessionEnded(SandboxSession session)
    {
        Interlocked.CompareExchange(ref _session, null, session);
        List<PendingExec> running = session.TakeResumable();
        lock (_connectGate)
        {
            foreach (PendingExec exec in running)
            {
                _resumable.Add(exec);
            }
        }

        if (session.Lost && _options.AutoReconnect && !_closedByOwner && Interlocked.CompareExchange(ref _autoReconnecting, 1, 0) == 0)
        {
            _ = Task.Run(AutoReconnectAsync, CancellationToken.None);
        }
    }

    /// <summary>Bounded attempts with exponential backoff and jitter; gives up on errors that retrying cannot fix.</summary>
    private async Task AutoReconnectAsync()
    {
        Exception? last = null;
        try
        {
            TimeSpan delay = FirstReconnectDelay;
            for (int attempt = 1; attempt <= _options.MaxReconnectAttempts && !_closedByOwner; attempt++)
            {
                // Jitter spreads the reconnects of many clients cut by the same outage.
                double jitter = 0.75 + (RandomNumberGenerator.GetInt32(0, 501) / 1000.0);
                await Task.Delay(delay * jitter).ConfigureAwait(false);
                if (_closedByOwner)
                {
                    break;
                }

                try
                {
                    await ReconnectAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is SandboxUnauthorizedException or SandboxNotFoundException or ProtocolVersionMismatchException)
                {
                    last = ex;
                    break;
                }
#pragma warning disable CA1031 // Any other failure is worth another attempt; the last one is reported when giving up.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    last = ex;
                }

                delay = delay * 2 > MaxReconnectDelay ? MaxReconnectDelay : delay * 2;
            }
        }
        finally
        {
            Volatile.Write(ref _autoReconnecting, 0);
        }

        FailResumable(new SandboxWebSocketException(
            $"Sandbox '{Id}' connection was lost and automatic reconnection gave up" +
            (last is null ? " (the instance was closed)" : $" after {_options.MaxReconnectAttempts} attempt(s): {last.Message}") +
            ". The detached commands keep running in the sandbox: call ReconnectAsync to resume them.", last!));
    }

    /// <summary>Fails the waits of the commands awaiting a resume (they stay resumable by a later ReconnectAsync).</summary>
    private void FailResumable(Exception error)
    {
        PendingExec[] pending;
        lock (_connectGate)
        {
            pending = [.. _resumable];
        }

        foreach (PendingExec exec in pending)
        {
            exec.Fail(error);
        }
    }
}
