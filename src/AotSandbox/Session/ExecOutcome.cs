namespace AotSandbox.Session;

/// <summary>How a foreground command ended, as plain data; the <see cref="Sandbox"/> facade turns it into an <see cref="ExecResult"/>.</summary>
internal readonly record struct ExecOutcome(string ExecId, string Stdout, string Stderr, int? ExitCode, bool Destroyed);
