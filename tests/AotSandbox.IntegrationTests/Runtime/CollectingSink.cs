using System.Text;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>Collects an exec's output and exit for assertions.</summary>
internal sealed class CollectingSink : IProcessSink
{
    private readonly MemoryStream _stdout = new();
    private readonly MemoryStream _stderr = new();
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _exits;

    public Task<int> Exit => _exit.Task;

    public string Stdout { get { lock (_stdout) { return Encoding.UTF8.GetString(_stdout.ToArray()); } } }

    public string Stderr { get { lock (_stderr) { return Encoding.UTF8.GetString(_stderr.ToArray()); } } }

    public int ExitCalls => Volatile.Read(ref _exits);

    public ValueTask OnOutputAsync(int stream, ReadOnlyMemory<byte> data)
    {
        var target = stream == 1 ? _stdout : _stderr;
        lock (target)
        {
            target.Write(data.Span);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnExitAsync(int exitCode)
    {
        Interlocked.Increment(ref _exits);
        _exit.TrySetResult(exitCode);
        return ValueTask.CompletedTask;
    }
}

internal static class SandboxExtensions
{
    /// <summary>Runs a command to completion (30 s cap) and returns exit code and output.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(this ISandboxInstance sandbox, string command, byte[]? stdin = null)
    {
        var sink = new CollectingSink();
        var process = await sandbox.SpawnAsync(command, sink, CancellationToken.None);
        if (stdin is not null)
        {
            await process.WriteStdinAsync(stdin, CancellationToken.None);
            await process.CloseStdinAsync(CancellationToken.None);
        }
        var exit = await sink.Exit.WaitAsync(TimeSpan.FromSeconds(30));
        return (exit, sink.Stdout, sink.Stderr);
    }
}
