using System.Buffers;
using System.Text;
using System.Text.Unicode;
using AotSandbox.Emulator.DataPlane;
using AotSandbox.Emulator.Rest;
using AotSandbox.Protocol;
using AotSandbox.Protocol.WebSocket;

namespace AotSandbox.Fuzz;

/// <summary>
/// The fuzz targets: each takes arbitrary bytes and throws only when it finds a bug (an undocumented exception or a
/// broken invariant). The same targets serve the mutational loop and SharpFuzz/AFL.
/// </summary>
internal static class FuzzTargets
{
    private static readonly byte[] Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="u8.ToArray();

    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["ws-frame"] = WebSocketFrame,
        ["ws-handshake"] = WebSocketHandshake,
        ["server-frame"] = ServerFrameRead,
        ["client-frame"] = ClientFrameParse,
        ["create-body"] = CreateBody,
    };

    private static void WebSocketFrame(byte[] input)
    {
        foreach (bool masked in new[] { false, true })
        {
            OperationStatus whole = WebSocketFrameParser.TryParse(input, masked, out WebSocketFrameHeader a, out int consumed, out _);
            OperationStatus split = WebSocketFrameParser.TryParse(Halves(input), masked, out WebSocketFrameHeader b, out _, out _);
            Require(whole == split && a == b, "split changed the frame-header result");
            Require(whole != OperationStatus.Done || (consumed == a.HeaderLength && consumed <= input.Length && a.PayloadLength >= 0), "inconsistent header");
        }
    }

    private static void WebSocketHandshake(byte[] input)
    {
        OperationStatus whole = WebSocketHandshakeParser.TryParse(new ReadOnlySequence<byte>(input), Accept, 4096, out WebSocketHandshakeResponse a, out long ca);
        OperationStatus split = WebSocketHandshakeParser.TryParse(Halves(input), Accept, 4096, out WebSocketHandshakeResponse b, out long cb);
        Require(whole == split && a == b && ca == cb, "split changed the handshake result");
        Require(ca <= input.Length, "consumed past the input");
    }

    private static void ServerFrameRead(byte[] input)
    {
        if (!ServerFrameReader.TryRead(input, out ServerFrame frame))
        {
            return;
        }

        // Decoding is only done on UTF-8-valid messages (transport for text, session for binary): same here.
        if (!Utf8.IsValid(input))
        {
            return;
        }

        _ = frame.ExecId.GetString();
        _ = frame.Data.GetString();
        _ = frame.Message.GetString();
        _ = frame.Content.GetString();
        _ = frame.Path.GetString();
        byte[] buffer = new byte[frame.Data.MaxLength];
        _ = frame.Data.CopyTo(buffer);
        if (frame.Type == FrameType.FileEntries)
        {
            try
            {
                _ = FileEntriesParser.Parse(frame.Entries);
            }
            catch (System.Text.Json.JsonException)
            {
                // Documented: a malformed entries array fails that one listing.
            }
        }
    }

    private static void ClientFrameParse(byte[] input) => _ = ClientFrameParser.Parse(input);

    private static void CreateBody(byte[] input)
    {
        bool ok = CreateSandboxRequestParser.TryParse(input, out CreateSandboxRequest? request, out string? error);
        Require(ok ? request is not null && request.Ports.Count <= CreateSandboxRequestParser.MaxPorts && request.Environment.Count <= CreateSandboxRequestParser.MaxEnvs : !string.IsNullOrEmpty(error), "create-body result inconsistent");
    }

    private static ReadOnlySequence<byte> Halves(byte[] input)
    {
        if (input.Length < 2)
        {
            return new ReadOnlySequence<byte>(input);
        }

        var first = new Segment(input.AsMemory(0, input.Length / 2));
        Segment last = first.Append(new Segment(input.AsMemory(input.Length / 2)));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantBrokenException(what);
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
            return next;
        }
    }
}

/// <summary>A target's invariant does not hold: a finding, like an unexpected exception.</summary>
internal sealed class InvariantBrokenException(string message) : Exception(message);
