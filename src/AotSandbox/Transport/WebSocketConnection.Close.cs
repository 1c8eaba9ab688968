using System.Buffers.Binary;
using System.Text.Unicode;
using AotSandbox.Protocol.WebSocket;

namespace AotSandbox.Transport;

internal sealed partial class WebSocketConnection
{
    /// <summary>How long CloseAsync waits for the peer's close frame before dropping the connection.</summary>
    internal static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A close frame's payload is at most 125 bytes, two of which are the code.</summary>
    private const int MaxCloseReasonBytes = WebSocketFrameParser.MaxControlPayloadLength - 2;

    /// <inheritdoc />
    public async ValueTask CloseAsync(int closeCode, string? reason, CancellationToken cancellationToken)
    {
        if (!WebSocketCloseCodes.IsValidOnWire(closeCode))
        {
            TransportThrowHelper.ThrowInvalidCloseCode(closeCode);
        }

        if (IsDisposed)
        {
            return;
        }

        await TrySendCloseAsync(closeCode, reason, cancellationToken).ConfigureAwait(false);
        if (!_peerClosed.Task.IsCompleted)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CloseTimeout);
            try
            {
                await WaitForPeerCloseAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The peer did not answer in time; dropping the connection is all that is left (RFC 6455 §7.1.1).
            }
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the peer's close: through the caller's pending receive if there is one, otherwise by reading
    /// (and discarding) the remaining messages ourselves.
    /// </summary>
    private async Task WaitForPeerCloseAsync(CancellationToken cancellationToken)
    {
        while (!_peerClosed.Task.IsCompleted)
        {
            if (Interlocked.CompareExchange(ref _receiving, 1, 0) != 0)
            {
                await _peerClosed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            TransportMessage message = await ReceiveCoreAsync(cancellationToken).ConfigureAwait(false);
            if (message.Kind == TransportMessageKind.Closed)
            {
                return;
            }
        }
    }

    /// <summary>Sends our close frame once; a code of 0 sends an empty close payload. Never throws for a dead connection.</summary>
    private async ValueTask TrySendCloseAsync(int closeCode, string? reason, CancellationToken cancellationToken)
    {
        if (_closeSent)
        {
            return;
        }

        byte[] payload = BuildClosePayload(closeCode, reason);
        try
        {
            await SendFrameAsync(WebSocketOpcode.Close, payload, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Already closed or broken: the close frame has nowhere to go.
        }
    }

    /// <summary>Code (big-endian) plus the reason as UTF-8, cut at a character boundary to fit the 123-byte limit.</summary>
    private static byte[] BuildClosePayload(int closeCode, string? reason)
    {
        if (closeCode == 0)
        {
            return [];
        }

        Span<byte> buffer = stackalloc byte[2 + MaxCloseReasonBytes];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)closeCode);
        int written = 0;
        if (!string.IsNullOrEmpty(reason))
        {
            // DestinationTooSmall still leaves only whole characters in the output: exactly the truncation we want.
            Utf8.FromUtf16(reason, buffer[2..], out _, out written, replaceInvalidSequences: true, isFinalBlock: true);
        }

        return buffer[..(2 + written)].ToArray();
    }
}
