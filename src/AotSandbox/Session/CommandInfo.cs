namespace AotSandbox.Session;

/// <summary>
/// What the session learned about a background command (its <c>exec.detached</c> ack, an <c>exec.info</c>, or the
/// destroy that pre-empted them): plain data, from which the <see cref="Sandbox"/> facade builds the public
/// <see cref="DetachedCommand"/>. <see cref="Exec"/> is the listener its output and exit arrive on (null when destroyed first).
/// </summary>
internal readonly record struct CommandInfo(
    PendingExec? Exec, string ExecId, string? Command, long? Pid, DateTimeOffset? StartedAt, bool Detached, bool Destroyed);
