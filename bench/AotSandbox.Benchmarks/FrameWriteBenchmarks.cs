using System.IO.Pipelines;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using AotSandbox.Protocol;
using AotSandbox.Transport;
using BenchmarkDotNet.Attributes;

namespace AotSandbox.Benchmarks;

/// <summary>
/// Send side, no network: encode an <c>exec.input</c> frame (256 characters of stdin text) and write it as a masked
/// client frame to the same counting sink. Per frame (<see cref="Frames"/> per invocation).
/// </summary>
/// <remarks>
/// Baseline: <see cref="JsonSerializer.SerializeToUtf8Bytes{T}(T, System.Text.Json.Serialization.Metadata.JsonTypeInfo{T})"/>
/// of a DTO (source gen) + ManagedWebSocket.SendAsync. Ours: <see cref="ClientFrameWriter"/> into a reused
/// <see cref="FrameBuilder"/> + the SDK's <see cref="WebSocketConnection"/> (header, mask, pipe flush).
/// </remarks>
[MemoryDiagnoser]
public class FrameWriteBenchmarks
{
    public const int Frames = 1_000;

    private readonly string _text = string.Concat(Enumerable.Repeat("stdin line of text 0123456789 ", 9))[..256];
    private readonly CountingSink _baselineSink = new();
    private readonly CountingSink _oursSink = new();
    private readonly FrameBuilder _builder = new();
    private WebSocket _managed = null!;
    private WebSocketConnection _ours = null!;
    private Socket _unusedSocket = null!;

    [GlobalSetup]
    public void Setup()
    {
        _managed = WebSocket.CreateFromStream(_baselineSink, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        _unusedSocket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        _ours = new WebSocketConnection(
            _unusedSocket, _oursSink, PipeReader.Create(Stream.Null), PipeWriter.Create(_oursSink, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true)), 16 * 1024 * 1024);
        ManagedWebSocketJsonSerializer().AsTask().GetAwaiter().GetResult();
        Ours().AsTask().GetAwaiter().GetResult();
        if (_baselineSink.Written != _oursSink.Written)
        {
            throw new InvalidOperationException($"Baseline wrote {_baselineSink.Written} bytes, ours {_oursSink.Written}: not the same frames.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _managed.Dispose();
        _ours.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _unusedSocket.Dispose();
        _builder.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "JsonSerializer(source gen) + ManagedWebSocket.SendAsync")]
    public async ValueTask ManagedWebSocketJsonSerializer()
    {
        for (int i = 0; i < Frames; i++)
        {
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(new ClientFrameDto("exec.input", WireFrames.ExecId, Data: _text), BaselineJsonContext.Default.ClientFrameDto);
            await _managed.SendAsync(json, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "Ours: ClientFrameWriter + WebSocketConnection.SendTextAsync")]
    public async ValueTask Ours()
    {
        for (int i = 0; i < Frames; i++)
        {
            _builder.Reset();
            ClientFrameWriter.WriteExecInput(_builder.Writer, WireFrames.ExecId, _text);
            await _ours.SendTextAsync(_builder.Complete(), CancellationToken.None);
        }
    }

    /// <summary>A write-only stream that counts bytes (both contenders write to one of these).</summary>
    private sealed class CountingSink : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => true; // ManagedWebSocket insists on a duplex stream; reads end at once.

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => 0;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written += count;

        public override void Write(ReadOnlySpan<byte> buffer) => Written += buffer.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Written += count;
            return Task.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
