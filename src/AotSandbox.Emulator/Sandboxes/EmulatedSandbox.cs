using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using AotSandbox.Emulator.DataPlane;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator.Sandboxes;

/// <summary>
/// One live sandbox: its description, the runtime instance, its session token, the connected WebSockets and its execs.
/// Activity (any WebSocket message, any GET) pushes the idle deadline back.
/// </summary>
internal sealed class EmulatedSandbox
{
    /// <summary>The exit code of a command that dies with its sandbox: 128 + SIGKILL, as a shell reports it.</summary>
    private const int KilledExitCode = 128 + SignalNames.SigKill;

    private readonly object _sync = new();
    private readonly byte[] _token;
    private readonly HashSet<SandboxConnection> _connections = [];
    private long _lastActivityTicks = Environment.TickCount64;
    private int _ending;

    public EmulatedSandbox(SandboxDescription description, string token, ISandboxInstance instance, EmulatorTimings timings)
    {
        Description = description;
        _token = Encoding.UTF8.GetBytes(token);
        Instance = instance;
        Execs = new ExecTable(timings.ExitedDetachedRetention, Touch);
    }

    public SandboxDescription Description { get; }

    public string Id => Description.Id;

    public ISandboxInstance Instance { get; }

    public ExecTable Execs { get; }

    /// <summary>True once teardown began; new connections are refused from then on.</summary>
    public bool IsEnding => Volatile.Read(ref _ending) != 0;

    /// <summary>Constant-time token check (the token is the only credential on the WebSocket).</summary>
    public bool TokenMatches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _token);

    /// <summary>Resets the idle timer.</summary>
    public void Touch() => Volatile.Write(ref _lastActivityTicks, Environment.TickCount64);

    /// <summary>How long nothing happened.</summary>
    public TimeSpan IdleFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastActivityTicks));

    /// <summary>Adds a connection unless the sandbox is ending.</summary>
    public bool TryAddConnection(SandboxConnection connection)
    {
        lock (_sync)
        {
            if (IsEnding)
            {
                return false;
            }

            _connections.Add(connection);
            return true;
        }
    }

    /// <summary>Forgets a connection and kills the foreground execs it started.</summary>
    public void RemoveConnection(SandboxConnection connection)
    {
        lock (_sync)
        {
            _connections.Remove(connection);
        }

        Execs.OnConnectionClosed(connection);
    }

    /// <summary>Marks the sandbox as ending; only the first caller gets true (so teardown runs once).</summary>
    public bool TryMarkEnding()
    {
        lock (_sync)
        {
            return Interlocked.Exchange(ref _ending, 1) == 0;
        }
    }

    /// <summary>
    /// Sends every attached connection an <c>exec.exit</c> (137: killed) for each command still running, so that every
    /// client settles them before the close that follows, including clients that stop reading at a normal close.
    /// Bounded by <paramref name="wait"/>: a stuck connection is the close's business, not a reason to hold teardown.
    /// </summary>
    public async Task SettleExecsAsync(TimeSpan wait)
    {
        ExecProcess[] running = Execs.Running();
        if (running.Length == 0)
        {
            return;
        }

        var settling = new Task[running.Length];
        for (int i = 0; i < running.Length; i++)
        {
            settling[i] = running[i].SettleAsync(KilledExitCode, wait);
        }

        await Task.WhenAny(Task.WhenAll(settling), Task.Delay(wait)).ConfigureAwait(false);
    }

    /// <summary>Closes every socket of the sandbox with 1000 after its queued frames; no new ones are accepted once ending.</summary>
    public void CloseConnections(string closeReason)
    {
        SandboxConnection[] connections;
        lock (_sync)
        {
            connections = [.. _connections];
        }

        foreach (SandboxConnection connection in connections)
        {
            connection.RequestClose(WebSocketCloseStatus.NormalClosure, closeReason, drain: true);
        }
    }
}
