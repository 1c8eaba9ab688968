namespace AotSandbox.Cli;

/// <summary>
/// Forwards a command's output to this process's stdout/stderr as it arrives, unbuffered. Runs on the SDK's receive
/// loop: a blocked stdout (a slow pipe reader) therefore slows the connection, which is the backpressure we want.
/// </summary>
internal sealed class OutputSink : IDisposable
{
    private readonly Stream _stdout = Console.OpenStandardOutput();
    private readonly Stream _stderr = Console.OpenStandardError();
    private readonly Lock _gate = new();

    public OutputHandler Handler => Write;

    public void Dispose()
    {
        _stdout.Dispose();
        _stderr.Dispose();
    }

    private void Write(OutputStream stream, ReadOnlySpan<byte> utf8)
    {
        lock (_gate)
        {
            try
            {
                Stream target = stream == OutputStream.Stderr ? _stderr : _stdout;
                target.Write(utf8);
                target.Flush();
            }
            catch (IOException)
            {
                // The reader went away (e.g. `| head`); the command's exit still decides the exit code.
            }
        }
    }
}
