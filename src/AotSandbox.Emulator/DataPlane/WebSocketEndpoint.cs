using System.Net.WebSockets;
using AotSandbox.Emulator.Sandboxes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// The data plane's entry: upgrades, authenticates with the session token, then reads frames until either side
/// closes. Close codes: 4001 bad/missing auth, 4003 unsupported protocol major, 4004 malformed frame, 1009 message
/// too big, 1008 client too slow, 1000 sandbox ended.
/// </summary>
internal sealed class WebSocketEndpoint
{
    private const WebSocketCloseStatus Unauthorized = (WebSocketCloseStatus)4001;
    private const WebSocketCloseStatus ProtocolMismatch = (WebSocketCloseStatus)4003;
    private const WebSocketCloseStatus MalformedFrame = (WebSocketCloseStatus)4004;

    private readonly SandboxRegistry _registry;
    private readonly EmulatorTimings _timings;
    private readonly bool _strictProtocol;
    private readonly int _maxInboundMessageBytes;
    private readonly ILogger _logger;

    /// <summary>Upgraded connections that have not finished authenticating (bounded by <see cref="DataPlaneLimits.MaxUnauthenticatedConnections"/>).</summary>
    private int _unauthenticated;

    public WebSocketEndpoint(SandboxRegistry registry, EmulatorTimings timings, bool strictProtocol, ILogger logger)
    {
        _registry = registry;
        _timings = timings;
        _strictProtocol = strictProtocol;
        _maxInboundMessageBytes = strictProtocol ? DataPlaneLimits.StrictMaxInboundMessageBytes : DataPlaneLimits.MaxInboundMessageBytes;
        _logger = logger;
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        // Current path, any major version (anything but v1 is answered with 4003 after the upgrade).
        routes.Map("/api/{version}/namespaces/{ns}/sandboxes/{id}/exec", new RequestDelegate(HandleAsync));
        // Paths of older clients: /ws/v1/... with singular or plural collection.
        routes.Map("/ws/{version}/namespaces/{ns}/sandboxes/{id}/exec", new RequestDelegate(HandleAsync));
        routes.Map("/ws/{version}/namespaces/{ns}/sandbox/{id}/exec", new RequestDelegate(HandleAsync));
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Rest.RestEndpoints.WriteErrorAsync(context, StatusCodes.Status400BadRequest,
                "This is the WebSocket data plane; open it with a WebSocket upgrade (the URL is 'wsEndpoint' of the create response).").ConfigureAwait(false);
            return;
        }

        if (!IsSameOriginOrAbsent(context))
        {
            // A browser page on another origin must not drive sandboxes (cross-site WebSocket hijacking); SDKs send no Origin.
            await Rest.RestEndpoints.WriteErrorAsync(context, StatusCodes.Status403Forbidden, "Cross-origin WebSocket connections are refused.").ConfigureAwait(false);
            return;
        }

        var values = context.Request.RouteValues;
        string version = (string)values["version"]!;
        string ns = (string)values["ns"]!;
        string id = (string)values["id"]!;

        // Counted from before the upgrade until auth is decided: whoever has no token holds a slot for at most the auth
        // deadline, and cannot take more than the bound together with everyone else in the same situation.
        if (Interlocked.Increment(ref _unauthenticated) > DataPlaneLimits.MaxUnauthenticatedConnections)
        {
            Interlocked.Decrement(ref _unauthenticated);
            context.Response.Headers.RetryAfter = "1";
            await Rest.RestEndpoints.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"Too many WebSocket connections are waiting to authenticate (limit {DataPlaneLimits.MaxUnauthenticatedConnections}); retry shortly and send the auth frame right after the upgrade.").ConfigureAwait(false);
            return;
        }

        int counted = 1;
        WebSocket socket;
        try
        {
            socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref _unauthenticated);
            throw;
        }

        using WebSocket accepted = socket;
        var connection = new SandboxConnection(socket, _timings.StuckClientTimeout);
        Task writer = connection.RunWriterAsync();
        EmulatedSandbox? sandbox = null;
        try
        {
            if (version != "v1")
            {
                connection.RequestClose(ProtocolMismatch, "unsupported protocol version; this server speaks major 1 (/api/v1/...)", drain: true);
                return;
            }

            sandbox = await AuthenticateAsync(connection, ns, id, context.RequestAborted).ConfigureAwait(false);
            Interlocked.Add(ref _unauthenticated, -Interlocked.Exchange(ref counted, 0));
            if (sandbox is null)
            {
                return;
            }

            // Once either side decided to close, the connection is done: stop fanning out to it and kill its
            // foreground execs now, not only when the close handshake has finished.
            EmulatedSandbox attached = sandbox;
            using CancellationTokenRegistration detach = connection.Closing.Register(() => attached.RemoveConnection(connection));
            await ReadFramesAsync(connection, sandbox, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _unauthenticated, -Interlocked.Exchange(ref counted, 0));
            connection.RequestClose(WebSocketCloseStatus.NormalClosure, string.Empty, drain: true);
            sandbox?.RemoveConnection(connection);
            await writer.ConfigureAwait(false);
            EmulatorLog.ConnectionClosed(_logger, connection.Id, id, connection.CloseStatus.ToString());
            connection.Dispose();
        }
    }

    /// <summary>Waits for the auth frame; on success sends <c>auth.ok</c> as the very first server frame.</summary>
    private async Task<EmulatedSandbox?> AuthenticateAsync(SandboxConnection connection, string ns, string id, CancellationToken aborted)
    {
        // Not a cancellation: cancelling a WebSocket receive aborts the socket, and the client must still get auth.error + 4001.
        Task<ReadOnlyMemory<byte>?> receive = connection.ReceiveAsync(aborted, DataPlaneLimits.MaxAuthMessageBytes).AsTask();
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        Task deadline = Task.Delay(_timings.AuthTimeout, timer.Token);
        Task first = await Task.WhenAny(receive, deadline).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false); // Do not keep a 10 s timer per connection alive after auth.
        if (first != receive)
        {
            await RejectAsync(connection, $"no auth frame within {_timings.AuthTimeout.TotalSeconds:0} s").ConfigureAwait(false);
            connection.KeepBuffersUntilCollected();
            return null;
        }

        ReadOnlyMemory<byte>? message;
        try
        {
            message = await receive.ConfigureAwait(false);
        }
        catch (MessageTooBigException)
        {
            connection.RequestClose(WebSocketCloseStatus.MessageTooBig, $"auth frame larger than {DataPlaneLimits.MaxAuthMessageBytes / 1024} KiB", drain: false);
            return null;
        }

        if (message is not { } bytes)
        {
            return null;
        }

        ClientFrame? frame = ClientFrameParser.Parse(bytes.Span);
        if (frame is null)
        {
            connection.RequestClose(MalformedFrame, "malformed frame: expected a JSON object with a string 'type'", drain: true);
            return null;
        }

        // Unknown sandbox, other namespace and wrong token are indistinguishable on purpose.
        EmulatedSandbox? sandbox = frame.Type == ClientFrameType.Auth ? _registry.Find(ns, id) : null;
        if (sandbox is null || !sandbox.TokenMatches(frame.Token) || !sandbox.TryAddConnection(connection))
        {
            await RejectAsync(connection, frame.Type == ClientFrameType.Auth
                ? "invalid token for this sandbox"
                : "the first frame must be {\"type\":\"auth\",\"token\":…}").ConfigureAwait(false);
            return null;
        }

        sandbox.Touch();
        await connection.SendAsync(ServerFrames.AuthOk(sandbox.Id)).ConfigureAwait(false);
        return sandbox;
    }

    private static async Task RejectAsync(SandboxConnection connection, string message)
    {
        await connection.SendAsync(ServerFrames.AuthError(message)).ConfigureAwait(false);
        connection.RequestClose(Unauthorized, "unauthorized", drain: true);
    }

    private async Task ReadFramesAsync(SandboxConnection connection, EmulatedSandbox sandbox, CancellationToken aborted)
    {
        var dispatcher = new FrameDispatcher(sandbox, connection, _strictProtocol, _logger);
        var pacer = new FramePacer(DataPlaneLimits.MaxFramesPerSecond);
        try
        {
            while (!connection.Closing.IsCancellationRequested)
            {
                await pacer.WaitTurnAsync(connection.Closing).ConfigureAwait(false);
                ReadOnlyMemory<byte>? message = await connection.ReceiveAsync(aborted, _maxInboundMessageBytes).ConfigureAwait(false);
                if (message is not { } bytes)
                {
                    return;
                }

                sandbox.Touch();
                if (!_strictProtocol && connection.LastMessageBinary && BinaryFileEnvelope.IsEnvelope(bytes.Span))
                {
                    // file.binary (docs/PROTOCOL.md §4.7). In strict mode such a message is no JSON, hence 4004 below.
                    if (!await DispatchEnvelopeAsync(connection, dispatcher, bytes).ConfigureAwait(false))
                    {
                        return;
                    }

                    continue;
                }

                ClientFrame? frame = ClientFrameParser.Parse(bytes.Span);
                if (frame is null)
                {
                    connection.RequestClose(MalformedFrame, "malformed frame: expected a JSON object with a string 'type'", drain: true);
                    return;
                }

                await dispatcher.DispatchAsync(frame).ConfigureAwait(false);
            }
        }
        catch (MessageTooBigException e)
        {
            connection.RequestClose(WebSocketCloseStatus.MessageTooBig, e.Message, drain: false);
        }
        catch (OperationCanceledException)
        {
            // The connection or the request ended.
        }
    }

    /// <summary>
    /// A <c>file.binary</c> envelope: a broken prefix, a header that is no JSON object with a string type, or one that is
    /// not a <c>file.write</c> breaks the envelope itself and closes with 4004 (false). Otherwise the message's array goes
    /// to the write (no copy of its data) and the connection receives into a fresh one.
    /// </summary>
    private static async ValueTask<bool> DispatchEnvelopeAsync(SandboxConnection connection, FrameDispatcher dispatcher, ReadOnlyMemory<byte> message)
    {
        string? problem = BinaryFileEnvelope.TryParse(message.Span, out Range header, out Range data);
        ClientFrame? frame = problem is null ? ClientFrameParser.Parse(message.Span[header]) : null;
        if (problem is null && frame is null)
        {
            problem = "the binary message's header is not a JSON object with a string 'type'";
        }
        else if (frame is not null && frame.Type != ClientFrameType.FileWrite)
        {
            problem = "binary messages carry only file.write (docs/PROTOCOL.md §4.7)";
        }

        if (problem is not null)
        {
            connection.RequestClose(MalformedFrame, "malformed binary frame: " + problem, drain: true);
            return false;
        }

        byte[] owned = connection.DetachReceiveBuffer();
        (int start, int length) = data.GetOffsetAndLength(message.Length);
        await dispatcher.DispatchBinaryWriteAsync(frame!, owned, start, length).ConfigureAwait(false);
        return true;
    }

    private static bool IsSameOriginOrAbsent(HttpContext context)
    {
        string origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || origin == "null")
        {
            return origin.Length == 0;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri)
            && string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
