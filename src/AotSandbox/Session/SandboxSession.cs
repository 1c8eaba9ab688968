using System.Buffers;
using AotSandbox.Protocol;
using AotSandbox.Protocol.WebSocket;
using AotSandbox.Transport;

namespace AotSandbox.Session;

/// <summary>
/// One authenticated data-plane connection of a sandbox: the pending-operation tables, the single receive loop that
/// routes server frames to them, and the send path.
/// </summary>
/// <remarks>
/// Threading: any thread may register operations and send; exactly one long-running loop receives. Table access is
/// under <see cref="_gate"/> (held only for dictionary operations, never across callbacks or awaits). When the
/// connection ends, every pending operation is settled exactly once: resolved as destroyed during an intentional close
/// (destroy), failed with the close-code error otherwise.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The builder pool is disposed by CloseAsync, the session's only end.")]
internal sealed partial class SandboxSession
{
    private readonly IMessageTransport _transport;
    private readonly Action<SandboxSession> _onEnded;
    private readonly Lock _gate = new();
    private readonly Dictionary<FrameId, PendingExec> _execs = [];
    private readonly Dictionary<FrameId, PendingFileOperation> _files = [];
    private readonly Dictionary<FrameId, PendingGet> _gets = [];
    private readonly FrameBuilderPool _builders = new();

    // Receive-loop only: unescape target for output data, and the copy target for multi-segment messages.
    private byte[] _unescapeBuffer = [];
    private byte[] _contiguousBuffer = [];

    // Receive-loop only: set by a full ExecStream buffer during Dispatch; awaited before the next receive.
    private Task? _pause;

    private Task _receiveLoop = Task.CompletedTask;
    private volatile bool _ended;
    private bool _settled; // under _gate
    private volatile bool _intentionalClose;
    private volatile bool _closedByClient;

    // Set at connect: detached commands keep a pending wait across a lost connection (automatic reconnection).
    private bool _keepDetachedOnLoss;

    // Detached commands still running when the connection was lost; taken by the Sandbox to resume them.
    private List<PendingExec>? _resumable;

    private SandboxSession(string sandboxId, Action<SandboxSession> onEnded, IMessageTransport transport)
    {
        SandboxId = sandboxId;
        _onEnded = onEnded;
        _transport = transport;
    }

    public string SandboxId { get; }

    public bool IsOpen => !_ended;

    /// <summary>Whether the connection ended without the client closing it or destroying the sandbox (set before the ended callback).</summary>
    public bool Lost { get; private set; }

    /// <summary>Completes when the receive loop has ended and every pending operation is settled.</summary>
    public Task Completion => _receiveLoop;

    /// <summary>Opens the transport, authenticates, and starts the receive loop.</summary>
    public static async Task<SandboxSession> ConnectAsync(
        string sandboxId, Action<SandboxSession> onEnded, Uri endpoint, string token, SandboxConnectionOptions options, CancellationToken cancellationToken)
    {
        var transportOptions = new WebSocketClientOptions
        {
            MaxMessageBytes = options.MaxMessageBytes,
            ConnectTimeout = options.ConnectTimeout,
            SkipCertificateValidation = options.SkipCertificateValidation,
            TrustedCertificateAuthorities = options.TrustedCertificateAuthorities,
        };
        IMessageTransport transport;
        try
        {
            transport = options.TransportFactory is { } factory
                ? await factory(endpoint, transportOptions, cancellationToken).ConfigureAwait(false)
                : await WebSocketClient.ConnectAsync(endpoint, transportOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not SandboxException)
        {
            throw new SandboxWebSocketException($"Could not connect sandbox '{sandboxId}': {ex.Message}", ex);
        }

        var session = new SandboxSession(sandboxId, onEnded, transport) { _keepDetachedOnLoss = options.AutoReconnect };
        using var authDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        authDeadline.CancelAfter(options.ConnectTimeout);
        try
        {
            await session.AuthenticateAsync(token, authDeadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            session._ended = true;
            await transport.DisposeAsync().ConfigureAwait(false);
            throw new SandboxWebSocketException(
                $"Could not connect sandbox '{sandboxId}': no authentication acknowledgement within {options.ConnectTimeout.TotalSeconds:0.###} s", ex);
        }
        catch
        {
            session._ended = true;
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Keepalive first: the receive loop awaits it when it ends, so it must exist before the loop can end.
        session.StartKeepalive(options.EffectiveKeepAliveInterval, options.EffectiveKeepAliveTimeout);
        session._receiveLoop = Task.Run(session.ReceiveLoopAsync, CancellationToken.None);
        return session;
    }

    /// <summary>
    /// Sends <c>auth</c> and requires the very first server message to be <c>auth.ok</c> (with a matching
    /// <c>sandboxId</c> when one is present); anything else means the token was rejected.
    /// </summary>
    private async Task AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        FrameBuilder builder = _builders.Rent();
        ClientFrameWriter.WriteAuth(builder.Writer, token);
        try
        {
            await _transport.SendTextAsync(builder.Complete(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The server may have closed right after the upgrade (e.g. 4003 for an unsupported version): report its code.
            int? closeCode = await TryReadCloseCodeAsync().ConfigureAwait(false);
            throw closeCode is { } code
                ? CloseCodes.ToException(SandboxId, code)
                : new SandboxWebSocketException($"Could not connect sandbox '{SandboxId}': {ex.Message}", ex);
        }
        finally
        {
            _builders.Return(builder);
        }

        // WaitAsync as well: the deadline must hold even against a transport whose receive ignores cancellation.
        TransportMessage first = await _transport.ReceiveAsync(cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (first.Kind == TransportMessageKind.Closed)
        {
            throw CloseCodes.ToException(SandboxId, first.CloseCode);
        }

        bool accepted;
        try
        {
            accepted = ServerFrameReader.TryRead(first.Payload, ref _contiguousBuffer, out ServerFrame frame)
                && frame.Type == FrameType.AuthOk
                && AnnouncesThisSandbox(frame.SandboxId);
        }
        finally
        {
            _transport.ReleaseMessage();
        }

        if (!accepted)
        {
            try
            {
                await _transport.CloseAsync(CloseCodes.Normal, "authentication failed", CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Best-effort close of a connection we are abandoning anyway.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            throw new SandboxUnauthorizedException($"Sandbox '{SandboxId}' rejected the WebSocket authentication token");
        }
    }

    private async Task<int?> TryReadCloseCodeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            TransportMessage message = await _transport.ReceiveAsync(timeout.Token).ConfigureAwait(false);
            if (message.Kind == TransportMessageKind.Closed)
            {
                return message.CloseCode;
            }

            _transport.ReleaseMessage();
        }
#pragma warning disable CA1031 // Diagnostic read only: any failure means "no close code known".
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        return null;
    }

    /// <summary>
    /// The receive loop: one long-running async method (its state machine is allocated once), parsing each message in
    /// place and releasing it before the next receive; one await per socket read, not per message. Steady-state output
    /// delivery allocates nothing.
    /// </summary>
    private async Task ReceiveLoopAsync()
    {
        int closeCode = CloseCodes.Abnormal;
        try
        {
            while (true)
            {
                TransportMessage message = await _transport.ReceiveAsync(CancellationToken.None).ConfigureAwait(false);
                if (message.Kind == TransportMessageKind.Closed)
                {
                    closeCode = message.CloseCode;
                    break;
                }

                // Then every further message already complete in the same read, synchronously: an await per message
                // cost as much as parsing a small one. Stops early when a consumer asked for a pause.
                do
                {
                    try
                    {
                        // Text messages were UTF-8-validated by the transport; a binary one was not, and invalid UTF-8 in a
                        // string field would make the JSON reader throw at decode time and end the session. The reference
                        // clients decode binary as UTF-8 JSON and ignore what fails, so invalid ones are dropped here.
                        // Dispatch relies on this: it tells the frame reader the bytes are valid UTF-8. A binary message
                        // that starts with the file.binary marker (never valid UTF-8) is a file chunk (§4.7).
                        if (message.Kind == TransportMessageKind.Binary && BinaryFileFrame.IsEnvelope(message.Payload))
                        {
                            DispatchEnvelope(message.Payload);
                        }
                        else if (message.Kind == TransportMessageKind.Text || Utf8Validation.IsValid(message.Payload))
                        {
                            Dispatch(message.Payload);
                        }
                    }
                    finally
                    {
                        _transport.ReleaseMessage();
                    }
                }
                while (_pause is null && _transport.TryReceiveBuffered(out message));

                if (_pause is { } pause)
                {
                    // A slow ExecStream consumer: stop reading until it has room. Not reading is the back-pressure
                    // (TCP window, then the server's queue, then the command); every operation of this connection waits
                    // meanwhile, which ExecStreamBuffer bounds in time. The pause task never faults.
                    _pause = null;
                    _receivePaused = true;
                    await pause.ConfigureAwait(false);
                    Volatile.Write(ref _resumedAt, Environment.TickCount64);
                    _receivePaused = false;
                }
            }
        }
#pragma warning disable CA1031 // Any transport failure ends the connection like an abnormal close (1006); the loop must not fault.
        catch (Exception)
#pragma warning restore CA1031
        {
            closeCode = CloseCodes.Abnormal;
        }

        EndConnection(closeCode);
        await _keepaliveStop.CancelAsync().ConfigureAwait(false);
        await _keepaliveLoop.ConfigureAwait(false); // never faults: it catches its own cancellation
        _keepaliveStop.Dispose();
        try
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Disposal failures of a dead connection are of no interest to anyone.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        if (_contiguousBuffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(_contiguousBuffer);
            _contiguousBuffer = [];
        }

        if (_unescapeBuffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(_unescapeBuffer);
            _unescapeBuffer = [];
        }
    }

    /// <summary>Settles every pending operation once the connection is gone (see class remarks).</summary>
    private void EndConnection(int closeCode)
    {
        PendingExec[] execs;
        PendingFileOperation[] files;
        PendingGet[] gets;
        lock (_gate)
        {
            if (_settled)
            {
                return;
            }

            _settled = true;
            _ended = true;
            execs = [.. _execs.Values];
            files = [.. _files.Values];
            gets = [.. _gets.Values];
            _execs.Clear();
            _files.Clear();
            _gets.Clear();
        }

        bool destroyed = _intentionalClose;
        bool lost = !destroyed && !_closedByClient;
        List<PendingExec>? resumable = null;
        foreach (PendingExec exec in execs)
        {
            if (destroyed)
            {
                exec.ResolveDestroyed();
            }
            else if (lost && exec.Detached && exec.Acked && !exec.Exit.Task.IsCompleted)
            {
                // Still running in the sandbox: the Sandbox can listen to it again after reconnecting. With automatic
                // reconnection its wait stays pending meanwhile; otherwise it fails now and is re-armed on resume.
                (resumable ??= []).Add(exec);
                if (!_keepDetachedOnLoss)
                {
                    exec.Fail(ConnectionError(closeCode));
                }
            }
            else if (lost && !exec.Detached)
            {
                exec.Fail(ForegroundLost(exec, ConnectionError(closeCode)));
            }
            else
            {
                exec.Fail(ConnectionError(closeCode));
            }
        }

        _resumable = resumable;
        Lost = lost;

        foreach (PendingFileOperation file in files)
        {
            if (destroyed)
            {
                file.ResolveDestroyed();
            }
            else
            {
                file.Fail(ConnectionError(closeCode));
            }
        }

        foreach (PendingGet get in gets)
        {
            if (destroyed)
            {
                get.Completion.TrySetResult(new CommandInfo(null, get.ExecId, null, null, null, Detached: true, Destroyed: true));
            }
            else
            {
                get.Completion.TrySetException(ConnectionError(closeCode));
            }
        }

        _onEnded(this);
    }

    /// <summary>
    /// Takes the detached commands that were still running when the connection was lost (once; empty afterwards).
    /// Valid after <see cref="Completion"/> or inside the ended callback.
    /// </summary>
    public List<PendingExec> TakeResumable() => Interlocked.Exchange(ref _resumable, null) ?? [];

    /// <summary>
    /// A foreground command cannot be resumed: the server ends it with its connection and keeps none of its output
    /// (docs/PROTOCOL.md §4.2), so the error says so and what to do instead.
    /// </summary>
    private static SandboxException ForegroundLost(PendingExec exec, SandboxException connectionError)
    {
        if (connectionError is not SandboxWebSocketException)
        {
            return connectionError;
        }

        return new SandboxWebSocketException(
            $"{connectionError.Message.TrimEnd('.')}. Command '{exec.Command ?? exec.ExecId}' ({exec.ExecId}) was running in the foreground, " +
            "so its outcome is unknown: the server stops foreground commands whose connection ends and keeps none of their output. " +
            "Reconnect and run it again, or start long work with StartDetachedAsync so that it can be resumed after a reconnect.",
            connectionError)
        {
            CloseCode = connectionError.CloseCode,
        };
    }

    private SandboxException ConnectionError(int closeCode)
        => _connectionLostMessage is { } lost
            ? new SandboxWebSocketException(lost) { CloseCode = CloseCodes.Abnormal }
            : _closedByClient
            ? new SandboxWebSocketException($"Sandbox '{SandboxId}' connection was closed by the client") { CloseCode = closeCode }
            : CloseCodes.ToException(SandboxId, closeCode);

    /// <summary>Marks (or unmarks, when the DELETE failed) the coming close as part of destroy: pending work then resolves.</summary>
    public void SetIntentionalClose(bool intentional) => _intentionalClose = intentional;

    /// <summary>Closes the connection (code 1000) and waits until every pending operation is settled.</summary>
    public async Task CloseAsync(bool byClient)
    {
        _closedByClient = byClient && !_intentionalClose;
        if (!_ended)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _transport.CloseAsync(CloseCodes.Normal, null, timeout.Token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The peer may already be gone (e.g. it closed during DELETE); settling below still happens.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        // The loop normally ends on the close handshake; if the transport never reports it, settle pending work anyway.
        if (await Task.WhenAny(_receiveLoop, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != _receiveLoop)
        {
            EndConnection(CloseCodes.Normal);
        }

        _builders.Dispose();
    }

    /// <summary>
    /// Whether <c>auth.ok</c> names this sandbox. An absent, null or empty <c>sandboxId</c> is accepted: the service's
    /// own clients compare only a non-empty id, so a service that leaves it empty works with them and must with us.
    /// </summary>
    private bool AnnouncesThisSandbox(JsonText sandboxId)
    {
        string? announced = sandboxId.IsPresent ? sandboxId.GetString() : null;
        return string.IsNullOrEmpty(announced) || string.Equals(announced, SandboxId, StringComparison.Ordinal);
    }
}
