using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using AotSandbox.Protocol;
using AotSandbox.Protocol.WebSocket;
using AotSandbox.Transport;
using BenchmarkDotNet.Attributes;

namespace AotSandbox.Benchmarks;

/// <summary>
/// Receive side, no network: the same pre-built stream of <c>exec.output</c> frames is read into "stream + decoded data"
/// by each contender. Every method handles <see cref="Frames"/> frames per invocation, so BenchmarkDotNet's Mean and
/// Allocated columns are per frame.
/// </summary>
/// <remarks>
/// Baseline: <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/> (the BCL's ManagedWebSocket, what
/// ClientWebSocket runs) + <see cref="JsonSerializer"/> with a source-generated context, producing the data as a string —
/// how most C# clients are written. Ours: the SDK's <see cref="WebSocketConnection"/> over a pipe on the same stream +
/// <see cref="ServerFrameReader"/> + unescape into a reused buffer; and the pure parsers over the byte array (the floor).
/// </remarks>
[MemoryDiagnoser]
public class FrameDecodeBenchmarks
{
    public const int Frames = 1_000;

    private byte[] _wire = [];
    private byte[] _unescaped = new byte[128 * 1024];
    private byte[] _contiguous = [];
    private byte[] _receiveBuffer = new byte[128 * 1024];
    private WebSocket _managed = null!;
    private WebSocketConnection _ours = null!;
    private Socket _unusedSocket = null!;

    /// <summary>Decoded output bytes per frame: a short line, and a 4 KiB chunk of lines.</summary>
    [Params(77, 4096)]
    public int DataBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _wire = WireFrames.OutputStream(Frames, DataBytes);

        // Each contender reads its own endless replay of the same bytes; an invocation consumes exactly one cycle.
        _managed = WebSocket.CreateFromStream(new ReplayStream(_wire), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        var replay = new ReplayStream(_wire);
        _unusedSocket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        _ours = new WebSocketConnection(
            _unusedSocket,
            replay,
            PipeReader.Create(replay, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true)),
            PipeWriter.Create(Stream.Null),
            16 * 1024 * 1024);
        long expected = (long)Frames * WireFrames.DecodedLength(DataBytes);
        Check(ParsersOverBytes(), expected, nameof(ParsersOverBytes));
        Check(OursTransportAndFrameReader().AsTask().GetAwaiter().GetResult(), expected, nameof(OursTransportAndFrameReader));
        Check(ManagedWebSocketJsonSerializer().AsTask().GetAwaiter().GetResult(), expected * 1, nameof(ManagedWebSocketJsonSerializer));
        Check(ManagedWebSocketJsonDocument().AsTask().GetAwaiter().GetResult(), expected, nameof(ManagedWebSocketJsonDocument));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _managed.Dispose();
        _ours.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _unusedSocket.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "ManagedWebSocket + JsonSerializer(source gen)")]
    public async ValueTask<long> ManagedWebSocketJsonSerializer()
    {
        WebSocket socket = _managed;
        long total = 0;
        for (int i = 0; i < Frames; i++)
        {
            int length = await ReceiveMessageAsync(socket, _receiveBuffer);
            ServerFrameDto frame = JsonSerializer.Deserialize(_receiveBuffer.AsSpan(0, length), BaselineJsonContext.Default.ServerFrameDto)!;
            if (frame.Type == "exec.output")
            {
                total += Deliver(frame.Stream == "stderr", frame.Data!);
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "ManagedWebSocket + JsonDocument")]
    public async ValueTask<long> ManagedWebSocketJsonDocument()
    {
        WebSocket socket = _managed;
        long total = 0;
        for (int i = 0; i < Frames; i++)
        {
            int length = await ReceiveMessageAsync(socket, _receiveBuffer);
            using JsonDocument document = JsonDocument.Parse(_receiveBuffer.AsMemory(0, length));
            JsonElement root = document.RootElement;
            if (root.GetProperty("type").ValueEquals("exec.output"u8))
            {
                bool stderr = root.TryGetProperty("stream", out JsonElement s) && s.ValueEquals("stderr"u8);
                total += Deliver(stderr, root.GetProperty("data").GetString()!);
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "Ours: WebSocketConnection + ServerFrameReader")]
    public async ValueTask<long> OursTransportAndFrameReader()
    {
        WebSocketConnection connection = _ours;
        long total = 0;
        int received = 0;
        while (received < Frames)
        {
            // As the session's receive loop: await one read, then take every message already complete in it.
            TransportMessage message = await connection.ReceiveAsync(CancellationToken.None);
            do
            {
                total += DecodeOurs(message.Payload);
                connection.ReleaseMessage();
            }
            while (++received < Frames && connection.TryReceiveBuffered(out message));
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "Ours: pure parsers over the byte array")]
    public long ParsersOverBytes()
    {
        ReadOnlySpan<byte> wire = _wire;
        long total = 0;
        while (!wire.IsEmpty)
        {
            WebSocketFrameParser.TryParse(wire, out WebSocketFrameHeader header, out int consumed);
            ReadOnlySpan<byte> payload = wire.Slice(consumed, (int)header.PayloadLength);
            if (ServerFrameReader.TryRead(payload, out ServerFrame frame) && frame.Type == FrameType.ExecOutput)
            {
                total += DeliverOurs(ref frame);
            }

            wire = wire[(consumed + payload.Length)..];
        }

        return total;
    }

    private long DecodeOurs(in ReadOnlySequence<byte> payload)
    {
        // Text messages arrive UTF-8-validated by the transport, as in the session's Dispatch.
        if (ServerFrameReader.TryRead(payload, knownValidUtf8: true, ref _contiguous, out ServerFrame frame) && frame.Type == FrameType.ExecOutput)
        {
            return DeliverOurs(ref frame);
        }

        return 0;
    }

    /// <summary>What the session hands an OutputHandler: raw bytes when unescaped, else unescaped into a reused buffer.</summary>
    private long DeliverOurs(ref ServerFrame frame)
    {
        JsonText data = frame.Data;
        ReadOnlySpan<byte> bytes = data.IsEscaped ? _unescaped.AsSpan(0, data.CopyTo(_unescaped)) : data.Raw;
        return Deliver(frame.Stream == OutputStream.Stderr, bytes);
    }

    private static long Deliver(bool stderr, string text) => text.Length + (stderr ? 0 : 0);

    private static long Deliver(bool stderr, ReadOnlySpan<byte> utf8) => utf8.Length + (stderr ? 0 : 0);

    private static async ValueTask<int> ReceiveMessageAsync(WebSocket socket, byte[] buffer)
    {
        int length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            length += result.Count;
        }
        while (!result.EndOfMessage);

        return length;
    }

    private static void Check(long actual, long expected, string name)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"{name} decoded {actual} bytes, expected {expected}: the contenders must do the same work.");
        }
    }
}
