using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// The egress proxy of one sandbox: accepts on the listener created inside the sandbox's namespace (the nft redirect
/// target), learns where the connection was headed (SO_ORIGINAL_DST), sniffs TLS SNI or the HTTP Host, decides by
/// policy, and relays at L4, or at L7 with every request checked (TLS terminated with the emulator CA).
/// Inspected TLS costs host CPU (handshake, and a P-256 leaf minted per new name): <paramref name="handshakes"/>
/// bounds how many run at once for this sandbox, so one sandbox cycling through wildcard names cannot take every core.
/// </summary>
internal sealed class SandboxEgressProxy(
    Socket listener,
    Func<EgressPolicy> policy,
    FakeAddressMap addresses,
    UpstreamDialer dialer,
    EmulatorCertificateAuthority ca,
    UpstreamCertificateVerifier verifier,
    SandboxNetworkOptions options,
    SemaphoreSlim handshakes)
{
    private const int SolIp = 0;
    private const int SoOriginalDst = 80;
    private static readonly TimeSpan ServerFirstWait = TimeSpan.FromMilliseconds(700);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);

    private readonly ConnectionSlots _slots = new(options.MaxConnectionsPerSandbox);

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
            if (!_slots.TryTake())
            {
                Abort(client);
                continue;
            }
            _ = HandleAsync(client, cancellationToken);
        }
    }

    private async Task HandleAsync(Socket client, CancellationToken cancellationToken)
    {
        try
        {
            client.NoDelay = true;
            await HandleCoreAsync(client, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Fail closed: whatever went wrong (policy, resolution, TLS, framing, a bug), the connection ends here
            // and nothing more is relayed.
        }
        finally
        {
            client.Dispose();
            _slots.Release();
        }
    }

    private async Task HandleCoreAsync(Socket client, CancellationToken cancellationToken)
    {
        IPEndPoint? original = OriginalDestination(client);
        // The nft redirect skips 127.0.0.0/8, so a loopback original destination means the sandbox dialled the
        // listener itself: there is no destination to decide on.
        if (original is null || IPAddress.IsLoopback(original.Address)) { Abort(client); return; }

        (byte[] prefix, SniffedKind kind, string? rawName, string? sniffError) = await SniffAsync(client, cancellationToken).ConfigureAwait(false);
        if (kind == SniffedKind.Invalid) { await DenyAsync(client, kind, 400, sniffError ?? "malformed request", cancellationToken).ConfigureAwait(false); return; }

        string? name = null;
        if (kind == SniffedKind.Tls && rawName is not null)
        {
            name = HostName.Canonicalize(rawName, out _);
            if (name is null) { Abort(client); return; }
        }
        else if (kind == SniffedKind.Http)
        {
            name = Authority.TryParse(rawName, out int? hostPort, out string? error);
            if (name is null) { await DenyAsync(client, kind, 400, "bad Host: " + error, cancellationToken).ConfigureAwait(false); return; }
            if (hostPort is int hp && hp != original.Port) { await DenyAsync(client, kind, 421, "Host port differs from the connection's port", cancellationToken).ConfigureAwait(false); return; }
        }
        if (name is null)
        {
            name = FakeAddressMap.IsFake(original.Address) ? addresses.NameFor(original.Address) : original.Address.ToString();
            if (name is null) { Abort(client); return; }
        }

        int port = original.Port;
        EgressPolicy current = policy();
        EgressEntry? entry = current.AllowAll ? null : current.Find(name, port);
        if (!current.AllowAll && entry is null)
        {
            await DenyAsync(client, kind, 403, $"{name}:{port} is not in the egress allowlist", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (entry?.Rules is { } rules)
        {
            if (kind == SniffedKind.Tls)
            {
                await RelayInspectedTlsAsync(client, prefix, name, port, rules, cancellationToken).ConfigureAwait(false);
            }
            else if (kind == SniffedKind.Http)
            {
                await RelayInspectedHttpAsync(client, prefix, name, port, rules, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Abort(client);
            }

            return;
        }

        Socket upstream;
        try
        {
            upstream = await dialer.ConnectAsync(name, port, cancellationToken).ConfigureAwait(false);
        }
        catch (EgressDeniedException denied)
        {
            // Nothing was relayed yet, so plain HTTP can still be told why (TLS and raw TCP get the reset).
            await DenyAsync(client, kind, 403, denied.Message, cancellationToken).ConfigureAwait(false);
            return;
        }
        using (upstream)
        {
            await Splice.RunAsync(client, upstream, prefix, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RelayInspectedHttpAsync(Socket client, byte[] prefix, string name, int port, IReadOnlyList<HttpRule> rules, CancellationToken cancellationToken)
    {
        await using var stream = new NetworkStream(client, ownsSocket: false);
        var side = new BufferedConnection(stream);
        side.Prepend(prefix);
        await HttpInspectingRelay.RunAsync(side, async () =>
        {
            Socket upstream = await dialer.ConnectAsync(name, port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(upstream, ownsSocket: true);
        }, name, port, rules, IdleTimeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task RelayInspectedTlsAsync(Socket client, byte[] prefix, string name, int port, IReadOnlyList<HttpRule> rules, CancellationToken cancellationToken)
    {
        await using var ssl = new SslStream(new PrefixedStream(prefix, new NetworkStream(client, ownsSocket: false)), leaveInnerStreamOpen: false);
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            handshake.CancelAfter(options.HandshakeTimeout);
            await handshakes.WaitAsync(handshake.Token).ConfigureAwait(false);
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = ca.ContextFor(name),
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                }, handshake.Token).ConfigureAwait(false);
            }
            finally
            {
                handshakes.Release();
            }
        }
        await HttpInspectingRelay.RunAsync(new BufferedConnection(ssl), async () =>
        {
            Socket upstream = await dialer.ConnectAsync(name, port, cancellationToken).ConfigureAwait(false);
            var upstreamSsl = new SslStream(new NetworkStream(upstream, ownsSocket: true), leaveInnerStreamOpen: false);
            try
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                handshake.CancelAfter(options.HandshakeTimeout);
                await upstreamSsl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = name,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    RemoteCertificateValidationCallback = verifier.Verify,
                    // Root must not fetch URLs the upstream's certificate names (AIA, CRL, OCSP): host-side SSRF.
                    CertificateChainPolicy = UpstreamChainPolicy.Create(),
                }, handshake.Token).ConfigureAwait(false);
                return upstreamSsl;
            }
            catch
            {
                await upstreamSsl.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }, name, port, rules, IdleTimeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(byte[] Prefix, SniffedKind Kind, string? Name, string? Error)> SniffAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[HttpHeadParser.MaxHeadBytes];
        int length = 0;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ServerFirstWait);
        while (true)
        {
            int n;
            try
            {
                n = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && length == 0)
            {
                // Nothing said: a server-speaks-first protocol (SSH, SMTP); decided by address only.
                return ([], SniffedKind.Raw, null, null);
            }
            if (n == 0)
            {
                return (buffer[..length], length == 0 ? SniffedKind.Raw : SniffedKind.Invalid, null, "connection closed mid-request");
            }

            if (length == 0)
            {
                deadline.CancelAfter(options.HandshakeTimeout);
            }

            length += n;
            var verdict = ConnectionSniffer.Classify(buffer.AsSpan(0, length));
            if (verdict is { } v)
            {
                return (buffer[..length], v.Kind, v.RawName, v.Error);
            }

            if (length == buffer.Length)
            {
                return (buffer[..length], SniffedKind.Invalid, null, "request head too large");
            }
        }
    }

    private static async Task DenyAsync(Socket client, SniffedKind kind, int status, string reason, CancellationToken cancellationToken)
    {
        if (kind is SniffedKind.Http or SniffedKind.Invalid && status != 0)
        {
            await using var stream = new NetworkStream(client, ownsSocket: false);
            await HttpInspectingRelay.DenyAsync(stream, status, reason, cancellationToken).ConfigureAwait(false);
            return;
        }
        // TLS and raw TCP cannot carry a readable reason without impersonating a denied host: reset.
        Abort(client);
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Where the sandbox meant to connect before nft redirected it; null for a direct connection to the listener.</summary>
    private static IPEndPoint? OriginalDestination(Socket socket)
    {
        Span<byte> sockaddr = stackalloc byte[16];
        try
        {
            int n = socket.GetRawSocketOption(SolIp, SoOriginalDst, sockaddr);
            if (n < 8)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }
        int port = (sockaddr[2] << 8) | sockaddr[3];
        return new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), port);
    }
}
