namespace AotSandbox;

/// <summary>Options of <see cref="Sandbox.GetCommandAsync(string, GetCommandOptions?, CancellationToken)"/>.</summary>
public sealed class GetCommandOptions
{
    /// <summary>Receives the command's output from the re-attach point on (and replayed output, see <see cref="Replay"/>).</summary>
    public OutputHandler? OnOutput { get; set; }

    /// <summary>
    /// Ask the server to replay the output it retained (and report an already-exited command). Only sent when the sandbox
    /// advertises the <c>exec.replay</c> extension (<see cref="Sandbox.Extensions"/>); otherwise ignored, keeping the
    /// exchange identical to the reference protocol. Default false.
    /// </summary>
    public bool Replay { get; set; }
}
