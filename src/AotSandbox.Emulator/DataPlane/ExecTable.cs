namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// The execs of one sandbox, keyed by the client's exec id (so ids are scoped to the sandbox: another sandbox's id is
/// simply unknown here). Enforces the running limits and keeps exited detached execs for replay for a while.
///
/// Exited foreground execs are kept too, briefly and in bounded number, although nobody can attach to them: a client's
/// <c>exec.input</c>, <c>exec.endInput</c> or <c>exec.kill</c> may already be on the wire when the command exits, and
/// must then be dropped as a no-op. Forgetting the id at once turned them into <c>error{NOT_FOUND}</c> frames that
/// reached the client ahead of <c>exec.exit</c>, and clients fail a command on such an error.
/// </summary>
internal sealed class ExecTable
{
    private readonly object _sync = new();
    private readonly Dictionary<string, ExecProcess> _execs = new(StringComparer.Ordinal);
    private readonly Queue<ExecProcess> _exitedForeground = new();
    private readonly TimeSpan _exitedRetention;
    private readonly Action _onActivity;
    private int _runningDetached;
    private int _running;

    /// <param name="exitedRetention">How long exited detached execs stay retrievable.</param>
    /// <param name="onActivity">Called whenever an exec sends a frame (the sandbox's idle timer).</param>
    public ExecTable(TimeSpan exitedRetention, Action onActivity)
    {
        _exitedRetention = exitedRetention;
        _onActivity = onActivity;
    }

    /// <summary>Registers a new exec, or explains (error code + message) why it cannot start.</summary>
    public ExecProcess? TryAdd(string execId, string command, bool detached, SandboxConnection starter, out string? errorCode, out string? message)
        => TryAdd(execId, command, detached, terminal: null, starter, out errorCode, out message);

    /// <summary>As above; with <paramref name="terminal"/> the command runs on a pseudo-terminal of that size (exec.pty).</summary>
    public ExecProcess? TryAdd(string execId, string command, bool detached, Runtime.TerminalSize? terminal, SandboxConnection starter, out string? errorCode, out string? message)
    {
        lock (_sync)
        {
            if (_execs.TryGetValue(execId, out ExecProcess? existing))
            {
                if (!existing.HasExited)
                {
                    errorCode = ErrorCodes.InvalidRequest;
                    message = "execId is already used by a running command; generate a fresh id";
                    return null;
                }

                _execs.Remove(execId);
            }

            if (detached && _runningDetached >= DataPlaneLimits.MaxRunningDetached)
            {
                errorCode = ErrorCodes.LimitExceeded;
                message = $"only {DataPlaneLimits.MaxRunningDetached} detached commands may run at once in a sandbox; wait for or kill one first";
                return null;
            }

            if (_running >= DataPlaneLimits.MaxRunningExecs)
            {
                errorCode = ErrorCodes.LimitExceeded;
                message = $"only {DataPlaneLimits.MaxRunningExecs} commands may run at once in a sandbox";
                return null;
            }

            var exec = new ExecProcess(execId, command, detached, starter, OnExited, _onActivity) { Terminal = terminal };
            _execs[execId] = exec;
            _running++;
            if (detached)
            {
                _runningDetached++;
            }

            errorCode = null;
            message = null;
            return exec;
        }
    }

    /// <summary>
    /// An exec for input, EOF and signals: a running one, or one that exited recently (then those frames are no-ops,
    /// which <see cref="ExecProcess"/> already guarantees after exit). Null only for an id this sandbox does not know.
    /// </summary>
    public ExecProcess? FindForControl(string execId)
    {
        lock (_sync)
        {
            return _execs.TryGetValue(execId, out ExecProcess? exec) ? exec : null;
        }
    }

    /// <summary>The execs still running (a snapshot), e.g. to settle them when the sandbox ends.</summary>
    public ExecProcess[] Running()
    {
        lock (_sync)
        {
            return _execs.Values.Where(e => !e.HasExited).ToArray();
        }
    }

    /// <summary>An exec for <c>exec.get</c>: running ones always, exited (retained, detached) ones only with replay.</summary>
    public ExecProcess? FindForAttach(string execId, bool replay)
    {
        lock (_sync)
        {
            // Exited foreground execs are retained only to absorb late control frames; their result was delivered once.
            return _execs.TryGetValue(execId, out ExecProcess? exec) && (!exec.HasExited || (replay && exec.Detached)) ? exec : null;
        }
    }

    /// <summary>Forgets a closed connection everywhere and kills the foreground execs it started (their only listener is gone).</summary>
    public void OnConnectionClosed(SandboxConnection connection)
    {
        ExecProcess[] execs;
        lock (_sync)
        {
            execs = [.. _execs.Values];
        }

        foreach (ExecProcess exec in execs)
        {
            exec.Unsubscribe(connection);
            if (exec.Owner == connection && !exec.HasExited)
            {
                _ = exec.SignalAsync(SignalNames.SigKill);
            }
        }
    }

    /// <summary>Drops exited detached execs past their retention, and exited foreground ids past theirs.</summary>
    public void Prune(DateTimeOffset now)
    {
        lock (_sync)
        {
            foreach (ExecProcess exec in _execs.Values.Where(e => e.HasExited && e.Detached && now - e.ExitedAt >= _exitedRetention).ToArray())
            {
                _execs.Remove(exec.ExecId);
            }

            while (_exitedForeground.TryPeek(out ExecProcess? oldest) && now - oldest.ExitedAt >= DataPlaneLimits.ExitedForegroundRetention)
            {
                ForgetForeground(_exitedForeground.Dequeue());
            }
        }
    }

    private void OnExited(ExecProcess exec)
    {
        lock (_sync)
        {
            _running--;
            if (!exec.Detached)
            {
                _exitedForeground.Enqueue(exec);
                if (_exitedForeground.Count > DataPlaneLimits.MaxRetainedExitedForeground)
                {
                    ForgetForeground(_exitedForeground.Dequeue());
                }

                return;
            }

            _runningDetached--;
            ExecProcess[] exited = _execs.Values.Where(e => e.HasExited && e.Detached).OrderBy(e => e.ExitedAt).ToArray();
            for (int i = 0; i < exited.Length - DataPlaneLimits.MaxRetainedExited; i++)
            {
                _execs.Remove(exited[i].ExecId);
            }
        }
    }

    private void ForgetForeground(ExecProcess exec)
    {
        // The id may already name a newer exec (ids can be reused once the command exited): forget only this one.
        if (_execs.TryGetValue(exec.ExecId, out ExecProcess? current) && current == exec)
        {
            _execs.Remove(exec.ExecId);
        }
    }
}
