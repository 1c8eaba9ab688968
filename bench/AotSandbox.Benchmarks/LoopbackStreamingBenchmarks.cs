using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using AotSandbox.Rest;
using BenchmarkDotNet.Attributes;

namespace AotSandbox.Benchmarks;

/// <summary>
/// End to end over loopback: a Kestrel server (in a child process) streams <see cref="Frames"/> <c>exec.output</c> frames of
/// <see cref="DataBytes"/> decoded bytes for one exec; the client counts the output. Per frame (Mean and Allocated);
/// MB/s = decoded bytes per frame / Mean.
/// </summary>
/// <remarks>
/// Ours: the public SDK — a connected <see cref="Sandbox"/>, <see cref="Sandbox.Exec"/> with an <see cref="OutputHandler"/>
/// and <see cref="ExecOptions.CaptureOutput"/> off. Baseline: <see cref="ClientWebSocket"/> + <see cref="JsonSerializer"/>
/// (source gen) delivering each frame's data as a string.
/// </remarks>
[MemoryDiagnoser]
public class LoopbackStreamingBenchmarks
{
    public const int Frames = 2_000;
    public const int DataBytes = 16 * 1024;

    private readonly byte[] _receiveBuffer = new byte[256 * 1024];
    private LoopbackFrameServer.ChildProcess _server = null!;
    private Sandbox _sandbox = null!;
    private ClientWebSocket _client = null!;
    private ExecOptions _execOptions = null!;
    private long _oursBytes;
    private int _execs;

    private static string Command => string.Create(CultureInfo.InvariantCulture, $"stream {Frames} {DataBytes}");

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "ClientWebSocket + JsonSerializer(source gen)")]
    public async Task<long> ClientWebSocketJsonSerializer()
    {
        string execId = "b-" + (++_execs).ToString(CultureInfo.InvariantCulture);
        byte[] run = JsonSerializer.SerializeToUtf8Bytes(new ClientFrameDto("exec.run", execId, Command), BaselineJsonContext.Default.ClientFrameDto);
        await _client.SendAsync(run, WebSocketMessageType.Text, true, CancellationToken.None);
        long total = 0;
        while (true)
        {
            int length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await _client.ReceiveAsync(_receiveBuffer.AsMemory(length), CancellationToken.None);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            ServerFrameDto frame = JsonSerializer.Deserialize(_receiveBuffer.AsSpan(0, length), BaselineJsonContext.Default.ServerFrameDto)!;
            if (frame.ExecId != execId)
            {
                continue;
            }

            if (frame.Type == "exec.output")
            {
                total += frame.Data!.Length;
            }
            else if (frame.Type == "exec.exit")
            {
                return Expect(total);
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "Ours: Sandbox.Exec with OnOutput, CaptureOutput=false")]
    public async Task<long> OursSdkSession()
    {
        _oursBytes = 0;
        ExecResult result = await _sandbox.Exec(Command, _execOptions);
        return result.ExitCode == 0 ? Expect(_oursBytes) : -1;
    }

    private static long Expect(long total)
    {
        long expected = (long)Frames * WireFrames.DecodedLength(DataBytes);
        return total == expected ? total : throw new InvalidOperationException($"Received {total} output bytes, expected {expected}.");
    }

    private async Task SetupAsync()
    {
        _server = LoopbackFrameServer.ChildProcess.Start();
        _execOptions = new ExecOptions { CaptureOutput = false, OnOutput = (_, utf8) => _oursBytes += utf8.Length, Timeout = TimeSpan.FromMinutes(5) };
        var options = new SandboxConnectionOptions { ApiHost = _server.ApiHost, Namespace = "bench", ApiKey = "bench:key" };
        SandboxResponse response = new() { SandboxId = "sb-bench", Token = "tok", Status = "ready", WsEndpoint = _server.Endpoint.ToString() };
        _sandbox = Sandbox.FromResponse(options, SandboxCredentials.Resolve(options), response, "sb-bench", "tok");
        await _sandbox.ConnectAsync();
        _client = new ClientWebSocket();
        await _client.ConnectAsync(_server.Endpoint, CancellationToken.None);
        await ClientWebSocketJsonSerializer();
        await OursSdkSession();
    }

    private async Task CleanupAsync()
    {
        await _sandbox.DisposeAsync();
        await _client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        _client.Dispose();
        _server.Dispose();
    }
}
