using System.Net;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Who may hold a preview connection (issue 12 item 7). Three bounded counts, so one client or one sandbox's visitors
/// cannot take the whole listener: all connections (→ 503), connections per client address (→ 429), connections
/// routed into one sandbox (→ 429). Holders without a request head are further bounded in time by the head deadline,
/// relayed ones by the idle timeout. Counters are removed at zero, so the maps never hold more keys than connections.
/// </summary>
internal sealed class PreviewAdmission(int maxTotal, int maxPerClient, int maxPerSandbox)
{
    private readonly Dictionary<IPAddress, int> _perClient = [];
    private readonly Dictionary<string, int> _perSandbox = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _total;

    /// <summary>Why an admission was refused; None when admitted.</summary>
    public enum Refusal
    {
        /// <summary>Admitted.</summary>
        None,

        /// <summary>The whole listener is at its limit.</summary>
        Total,

        /// <summary>This client address holds its share.</summary>
        Client,

        /// <summary>This sandbox's previews hold their share.</summary>
        Sandbox,
    }

    /// <summary>Admits a new connection from <paramref name="client"/>; call <see cref="ReleaseClient"/> when it ends.</summary>
    public Refusal TryAdmitClient(IPAddress client)
    {
        lock (_lock)
        {
            if (_total >= maxTotal)
            {
                return Refusal.Total;
            }

            int held = _perClient.GetValueOrDefault(client);
            if (held >= maxPerClient)
            {
                return Refusal.Client;
            }

            _perClient[client] = held + 1;
            _total++;
            return Refusal.None;
        }
    }

    /// <summary>Ends a connection admitted by <see cref="TryAdmitClient"/>.</summary>
    public void ReleaseClient(IPAddress client)
    {
        lock (_lock)
        {
            _total--;
            int held = _perClient.GetValueOrDefault(client) - 1;
            if (held <= 0)
            {
                _perClient.Remove(client);
            }
            else
            {
                _perClient[client] = held;
            }
        }
    }

    /// <summary>Admits routing one connection into <paramref name="sandboxId"/>; call <see cref="ReleaseSandbox"/> when it ends.</summary>
    public bool TryAdmitSandbox(string sandboxId)
    {
        lock (_lock)
        {
            int held = _perSandbox.GetValueOrDefault(sandboxId);
            if (held >= maxPerSandbox)
            {
                return false;
            }

            _perSandbox[sandboxId] = held + 1;
            return true;
        }
    }

    /// <summary>Ends a connection admitted by <see cref="TryAdmitSandbox"/>.</summary>
    public void ReleaseSandbox(string sandboxId)
    {
        lock (_lock)
        {
            int held = _perSandbox.GetValueOrDefault(sandboxId) - 1;
            if (held <= 0)
            {
                _perSandbox.Remove(sandboxId);
            }
            else
            {
                _perSandbox[sandboxId] = held;
            }
        }
    }
}
