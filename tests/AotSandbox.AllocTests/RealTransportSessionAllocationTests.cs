using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using AotSandbox.Rest;

namespace AotSandbox.AllocTests;

/// <summary>
/// The whole client receive path with nothing faked: a loopback socket peer writes pre-built <c>exec.output</c> frames,
/// the SDK's own RFC 6455 transport reads them, its session routes them to an <see cref="OutputHandler"/> with
/// <see cref="ExecOptions.CaptureOutput"/> off. The steady state must allocate nothing per frame: the process-wide bytes
/// allocated (<see cref="GC.GetTotalAllocatedBytes(bool)"/>, precise) for 2N frames equal those for N frames, exactly.
/// </summary>
/// <remarks>
/// The unit test over the in-memory transport proves the session alone; this one catches what only the pair shows
/// (socket wake-ups, pipe segments crossing frames, multi-segment messages copied to the session's scratch buffer).
/// Frames of three sizes (short, ~1.5 KiB escaped, ~20 KiB) make messages straddle the transport's 16 KiB pipe segments.
/// The quietest round of each size is compared, as in <see cref="TransportAllocationTests"/>: host noise only ever adds.
/// </remarks>
public sealed class RealTransportSessionAllocationTests
{
    private const int N = 1_500;
    private const int Rounds = 24; // many short rounds: see TransportAllocationTests.Rounds for the 100 ms background noise

    [OptimizedBuildFact]
    public async Task ExecOutput_ThroughRealTransportAndSession_AllocatesZeroBytesPerFrame()
    {
        using var peer = new LoopbackPeer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        Task accepted = peer.AcceptAsync(LoopbackPeer.TextFrame("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-test\"}"u8), timeout.Token);
        await using Sandbox sandbox = NewSandbox(peer.Endpoint);
        await sandbox.ConnectAsync(timeout.Token);
        await accepted;

        var sink = new FrameCounter();
        ExecTask task = sandbox.Exec("yes", new ExecOptions { CaptureOutput = false, OnOutput = sink.OnOutput });
        byte[][] frames = OutputFrames(task.ExecId, out long bytesPerCycle);
        byte[] blockN = LoopbackPeer.Repeat(frames, N);
        byte[] block2N = LoopbackPeer.Repeat(frames, 2 * N);

        for (int warm = 0; warm < 4; warm++)
        {
            Feed(peer, sink, block2N, 2 * N, timeout.Token);
        }

        sink.Bytes = 0;
        Feed(peer, sink, block2N, 2 * N, timeout.Token);
        Assert.Equal(2 * N / frames.Length * bytesPerCycle, sink.Bytes); // the handler saw every decoded byte

        var deltaN = new List<long>();
        var delta2N = new List<long>();
        for (int round = 0; round < Rounds; round++)
        {
            deltaN.Add(Feed(peer, sink, blockN, N, timeout.Token));
            delta2N.Add(Feed(peer, sink, block2N, 2 * N, timeout.Token));
        }

        long difference = delta2N.Min() - deltaN.Min();
        Assert.True(
            difference == 0,
            $"{N} frames allocated [{string.Join(", ", deltaN)}] B, {2 * N} allocated [{string.Join(", ", delta2N)}] B; quietest rounds differ by {difference} B.");

        peer.Send(LoopbackPeer.TextFrame(Encoding.UTF8.GetBytes($"{{\"type\":\"exec.exit\",\"execId\":\"{task.ExecId}\",\"exitCode\":0}}")));
        Assert.Equal(0, (await task.AsTask().WaitAsync(timeout.Token)).ExitCode);
    }

    /// <summary>A sandbox whose data plane is <paramref name="endpoint"/>, connecting through the SDK's real transport.</summary>
    internal static Sandbox NewSandbox(Uri endpoint, System.Security.Cryptography.X509Certificates.X509Certificate2Collection? authorities = null)
    {
        var options = new SandboxConnectionOptions
        {
            ApiHost = "http://127.0.0.1:1",
            Namespace = "ns",
            ApiKey = "uuid:key",
            TrustedCertificateAuthorities = authorities,
        };
        SandboxResponse response = System.Text.Json.JsonSerializer.Deserialize(
            $"{{\"sandboxId\":\"sb-test\",\"token\":\"tok\",\"status\":\"ready\",\"wsEndpoint\":\"{endpoint}\"}}",
            RestJsonContext.Default.SandboxResponse)!;
        return Sandbox.FromResponse(options, SandboxCredentials.Resolve(options), response, "sb-test", "tok");
    }

    /// <summary>One cycle of output frames: plain short, escaped lines (base64-like text with \n), and one larger than a pipe segment.</summary>
    internal static byte[][] OutputFrames(string execId, out long decodedBytesPerCycle)
    {
        string line = new('Q', 76);
        string escapedLines = string.Concat(Enumerable.Repeat(line + "\\n", 20));
        string big = new('x', 20_000);
        string[] data = ["short plain output", escapedLines, big];
        decodedBytesPerCycle = data[0].Length + (20 * 77) + big.Length;
        return [.. data.Select((d, i) => LoopbackPeer.TextFrame(Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"type\":\"exec.output\",\"execId\":\"{execId}\",\"stream\":\"{(i == 1 ? "stderr" : "stdout")}\",\"data\":\"{d}\"}}"))))];
    }

    /// <summary>Has the peer write <paramref name="block"/> and spins (without allocating) until all its frames were delivered.</summary>
    private static long Feed(LoopbackPeer peer, FrameCounter sink, byte[] block, int count, CancellationToken token)
    {
        sink.Expect(count);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        peer.Send(block);
        while (!Volatile.Read(ref sink.Done))
        {
            token.ThrowIfCancellationRequested();
            Thread.SpinWait(64);
        }

        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    internal sealed class FrameCounter
    {
        public long Bytes;
        public bool Done;
        private int _remaining;

        public void Expect(int count)
        {
            _remaining = count;
            Volatile.Write(ref Done, false);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public void OnOutput(OutputStream stream, ReadOnlySpan<byte> utf8Data)
        {
            Bytes += utf8Data.Length;
            if (--_remaining == 0)
            {
                Volatile.Write(ref Done, true);
            }
        }
    }
}
