using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace AotSandbox.Emulator.Network;

/// <summary>A declared port of a sandbox, reachable through its preview host.</summary>
internal sealed record PreviewTarget(string SandboxId, SafeFileHandle Netns, int Port);

/// <summary>
/// The preview listener. Routes on the Host header only (<see cref="PreviewHost"/>), looks the token up, and connects a
/// socket created inside that sandbox's namespace to 127.0.0.1:port — the only place it can ever connect. After the
/// first request the connection is relayed as bytes (streaming, WebSocket upgrades) to that same target; later
/// requests on it cannot switch target since nothing is re-routed. Unknown tokens, foreign tokens and undeclared
/// ports get the same 404; absolute-form targets and CONNECT are refused; no response is ever followed.
/// </summary>
internal sealed class PreviewProxy(Socket listener, NetnsSocketFactory sockets, SandboxNetworkOptions options)
{
    // Refusals answered while nothing else is pending for that socket: bounded so a connect flood cannot pile them up.
    private const int MaxPendingRefusals = 64;
    private readonly Dictionary<string, PreviewTarget> _routes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly PreviewAdmission _admission = new(options.PreviewMaxConnections, options.PreviewMaxConnectionsPerClient, options.PreviewMaxConnectionsPerSandbox);
    private readonly ConnectionSlots _refusals = new(MaxPendingRefusals);

    /// <summary>A fresh 128-bit token.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Publishes <paramref name="target"/> under <paramref name="token"/>.</summary>
    public void Add(string token, PreviewTarget target)
    {
        lock (_lock)
        {
            _routes.Add(token, target);
        }
    }

    /// <summary>Withdraws one route.</summary>
    public void Remove(string token)
    {
        lock (_lock)
        {
            _routes.Remove(token);
        }
    }

    /// <summary>Withdraws every route of a sandbox.</summary>
    public void RemoveSandbox(string sandboxId)
    {
        lock (_lock)
        {
            foreach (string token in _routes.Where(r => r.Value.SandboxId == sandboxId).Select(r => r.Key).ToList())
            {
                _routes.Remove(token);
            }
        }
    }

    /// <summary>Accepts until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            IPAddress from = (client.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            switch (_admission.TryAdmitClient(from))
            {
                case PreviewAdmission.Refusal.None:
                    _ = HandleAsync(client, from, cancellationToken);
                    break;
                case PreviewAdmission.Refusal.Client:
                    Refuse(client, 429, "too many open preview connections from this address; close some and retry");
                    break;
                default:
                    Refuse(client, 503, "the preview proxy is at its connection limit; retry shortly");
                    break;
            }
        }
    }

    private async Task HandleAsync(Socket client, IPAddress from, CancellationToken cancellationToken)
    {
        string? admittedSandbox = null;
        try
        {
            client.NoDelay = true;
            await using var stream = new NetworkStream(client, ownsSocket: false);
            var side = new BufferedConnection(stream);
            HttpHead? head = null;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                // Short: routing needs only the request line and Host, and a holder without them is someone's slot.
                deadline.CancelAfter(options.PreviewRequestHeadTimeout);
                try
                {
                    while (head is null)
                    {
                        HttpParseStatus status = side.Buffered.IsEmpty ? HttpParseStatus.Incomplete : HttpHeadParser.ParseRequest(side.Buffered.Span, out head, out _);
                        if (status == HttpParseStatus.Invalid) { await RespondAsync(stream, 400, "bad request", cancellationToken).ConfigureAwait(false); return; }
                        if (status == HttpParseStatus.Incomplete && !await side.FillAsync(deadline.Token).ConfigureAwait(false))
                        {
                            return;
                        }
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await RespondAsync(stream, 408, "the request line and headers did not arrive in time", cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
            if (head.Method == "CONNECT") { await RespondAsync(stream, 405, "CONNECT is not supported", cancellationToken).ConfigureAwait(false); return; }
            if (!head.Target.StartsWith('/')) { await RespondAsync(stream, 400, "only origin-form request targets are accepted", cancellationToken).ConfigureAwait(false); return; }
            if (head.Count("Host") != 1) { await RespondAsync(stream, 400, "exactly one Host header is required", cancellationToken).ConfigureAwait(false); return; }

            PreviewTarget? target = Lookup(head.Get("Host"));
            if (target is null) { await RespondAsync(stream, 404, "no such preview", cancellationToken).ConfigureAwait(false); return; }
            if (!_admission.TryAdmitSandbox(target.SandboxId))
            {
                await RespondAsync(stream, 429, "too many open connections to this sandbox's previews; close some and retry", cancellationToken).ConfigureAwait(false);
                return;
            }
            admittedSandbox = target.SandboxId;

            using Socket upstream = await sockets.CreateAsync(target.Netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(TimeSpan.FromSeconds(5));
                await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, target.Port), deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                await RespondAsync(stream, 502, "nothing is listening on that port in the sandbox", cancellationToken).ConfigureAwait(false);
                return;
            }
            upstream.NoDelay = true;
            await Splice.RunAsync(client, upstream, side.Buffered.ToArray(), options.PreviewIdleTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Fail closed for this one connection (also when its sandbox is being detached right now).
        }
        finally
        {
            client.Dispose();
            if (admittedSandbox is not null)
            {
                _admission.ReleaseSandbox(admittedSandbox);
            }

            _admission.ReleaseClient(from);
        }
    }

    /// <summary>
    /// Answers a connection that was not admitted and closes it. The response fits the fresh socket's send buffer, so
    /// it normally completes at once; at most <see cref="MaxPendingRefusals"/> may be pending, beyond that the
    /// connection is just closed.
    /// </summary>
    private void Refuse(Socket client, int status, string message)
    {
        if (!_refusals.TryTake()) { client.Dispose(); return; }
        _ = RefuseAsync(client, status, message);
    }

    private async Task RefuseAsync(Socket client, int status, string message)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await using var stream = new NetworkStream(client, ownsSocket: false);
            await RespondAsync(stream, status, message, timeout.Token).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            _refusals.Release();
        }
    }

    private PreviewTarget? Lookup(string? hostHeader)
    {
        if (PreviewHost.TryParse(hostHeader) is not (int port, string token))
        {
            return null;
        }

        PreviewTarget? target;
        lock (_lock)
        {
            _routes.TryGetValue(token, out target);
        }

        return target is not null && target.Port == port ? target : null;
    }

    private static async Task RespondAsync(Stream stream, int status, string message, CancellationToken cancellationToken)
    {
        string body = message + "\n";
        string reason = status switch
        {
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            429 => "Too Many Requests",
            503 => "Service Unavailable",
            _ => "Bad Gateway",
        };
        string text = $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).ConfigureAwait(false);
    }
}
