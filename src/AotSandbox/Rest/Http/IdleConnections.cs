namespace AotSandbox.Rest.Http;

/// <summary>
/// Process-wide parking place for kept-alive connections, so that e.g. attach sends its GET and then the WebSocket
/// upgrade over one TCP/TLS connection. Bounded: at most <see cref="MaxIdle"/> connections, each for at most
/// <see cref="IdleLimit"/> (a timer closes the rest, so an idle SDK holds no sockets for long).
/// </summary>
internal static class IdleConnections
{
    /// <summary>Few distinct hosts are ever in use (API host, maybe a regional or management one).</summary>
    public const int MaxIdle = 4;

    /// <summary>Well under common server keep-alive timeouts (Kestrel 130 s, nginx 75 s), so a parked connection is rarely stale.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(15);

    private static readonly List<PooledConnection> s_idle = new(MaxIdle);
    private static readonly Lock s_gate = new();
    private static Timer? s_sweeper;

    /// <summary>A live parked connection for <paramref name="key"/>, removed from the pool, or null.</summary>
    public static PooledConnection? Take(in ConnectionKey key)
    {
        List<PooledConnection>? dead = null;
        PooledConnection? found = null;
        lock (s_gate)
        {
            long now = Environment.TickCount64;
            for (int i = s_idle.Count - 1; i >= 0; i--)
            {
                PooledConnection candidate = s_idle[i];
                if (found is null && candidate.Key == key)
                {
                    s_idle.RemoveAt(i);
                    if (now - candidate.IdleSince < (long)IdleLimit.TotalMilliseconds && candidate.LooksAlive())
                    {
                        found = candidate;
                    }
                    else
                    {
                        (dead ??= []).Add(candidate);
                    }
                }
            }
        }

        DisposeAll(dead);
        return found;
    }

    /// <summary>Parks a connection whose last response ended cleanly and was not marked close; evicts the oldest when full.</summary>
    public static void Return(PooledConnection connection)
    {
        PooledConnection? evicted = null;
        connection.IdleSince = Environment.TickCount64;
        lock (s_gate)
        {
            if (s_idle.Count == MaxIdle)
            {
                evicted = s_idle[0];
                s_idle.RemoveAt(0);
            }

            s_idle.Add(connection);
            s_sweeper ??= new Timer(static _ => Sweep(), null, Timeout.Infinite, Timeout.Infinite);
            s_sweeper.Change(IdleLimit, Timeout.InfiniteTimeSpan);
        }

        if (evicted is not null)
        {
            _ = evicted.DisposeAsync().AsTask();
        }
    }

    private static void Sweep()
    {
        List<PooledConnection>? dead = null;
        lock (s_gate)
        {
            long now = Environment.TickCount64;
            long oldestLeft = long.MaxValue;
            for (int i = s_idle.Count - 1; i >= 0; i--)
            {
                if (now - s_idle[i].IdleSince >= (long)IdleLimit.TotalMilliseconds)
                {
                    (dead ??= []).Add(s_idle[i]);
                    s_idle.RemoveAt(i);
                }
                else
                {
                    oldestLeft = Math.Min(oldestLeft, s_idle[i].IdleSince);
                }
            }

            if (oldestLeft != long.MaxValue)
            {
                s_sweeper!.Change(TimeSpan.FromMilliseconds(oldestLeft + (long)IdleLimit.TotalMilliseconds - now + 1), Timeout.InfiniteTimeSpan);
            }
        }

        DisposeAll(dead);
    }

    private static void DisposeAll(List<PooledConnection>? connections)
    {
        if (connections is null)
        {
            return;
        }

        foreach (PooledConnection connection in connections)
        {
            _ = connection.DisposeAsync().AsTask();
        }
    }
}
