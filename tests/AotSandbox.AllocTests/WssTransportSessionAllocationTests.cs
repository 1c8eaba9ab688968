using System.Security.Cryptography.X509Certificates;
using AotSandbox.Tests.Transport.Support;

namespace AotSandbox.AllocTests;

/// <summary>
/// <see cref="RealTransportSessionAllocationTests"/> over wss://: the same frames, the SDK's own transport and session,
/// with the client's <see cref="System.Net.Security.SslStream"/> (OpenSSL) decrypting under them. The server side's
/// encryption runs before each measured window (<see cref="TlsLoopbackPeer.Encrypt"/>), so only the client is measured:
/// the bytes allocated for 2N frames must not exceed those for N frames by more than an occasional object (see the bound).
/// </summary>
public sealed class WssTransportSessionAllocationTests
{
    private const int N = 1_500;
    private const int Rounds = 24; // many short rounds: see TransportAllocationTests.Rounds for the 100 ms background noise

    [OptimizedBuildFact]
    public async Task ExecOutput_OverWss_AllocatesZeroBytesPerFrame()
    {
        using X509Certificate2 certificate = TestCertificates.CreateLoopbackServerCertificate();
        using X509Certificate2 authority = TestCertificates.PublicPart(certificate);
        using var peer = new TlsLoopbackPeer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        Task accepted = peer.AcceptAsync(certificate, LoopbackPeer.TextFrame("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-test\"}"u8), timeout.Token);
        await using Sandbox sandbox = RealTransportSessionAllocationTests.NewSandbox(peer.Endpoint, [authority]);
        await sandbox.ConnectAsync(timeout.Token);
        await accepted;

        var sink = new RealTransportSessionAllocationTests.FrameCounter();
        ExecTask task = sandbox.Exec("yes", new ExecOptions { CaptureOutput = false, OnOutput = sink.OnOutput });
        byte[][] frames = RealTransportSessionAllocationTests.OutputFrames(task.ExecId, out long bytesPerCycle);
        byte[] blockN = LoopbackPeer.Repeat(frames, N);
        byte[] block2N = LoopbackPeer.Repeat(frames, 2 * N);

        for (int warm = 0; warm < 4; warm++)
        {
            Feed(peer, sink, block2N, 2 * N, timeout.Token);
        }

        sink.Bytes = 0;
        Feed(peer, sink, block2N, 2 * N, timeout.Token);
        Assert.Equal(2 * N / frames.Length * bytesPerCycle, sink.Bytes); // the handler saw every decrypted, decoded byte

        var deltaN = new List<long>();
        var delta2N = new List<long>();
        for (int round = 0; round < Rounds; round++)
        {
            deltaN.Add(Feed(peer, sink, blockN, N, timeout.Token));
            delta2N.Add(Feed(peer, sink, block2N, 2 * N, timeout.Token));
        }

        // Over ws:// the quietest rounds are equal to the byte. Over wss:// an odd 184-B object shows up in some rounds of
        // either size and not in others (seen in CI: 1,500 frames [184, 184, 1040, 184, 0, …], 3,000 frames [184, 4384, 352,
        // 184, …]), i.e. tied to how often the TLS read waited, not to frames. So the bound is what no per-frame allocation
        // can meet: the smallest object (24 B) once per frame would add 36,000 B to the larger window; ≤ 1 KiB is allowed.
        long difference = delta2N.Min() - deltaN.Min();
        Assert.True(
            difference <= 1024,
            $"over wss://, {N} frames allocated [{string.Join(", ", deltaN)}] B, {2 * N} allocated [{string.Join(", ", delta2N)}] B; quietest rounds differ by {difference} B.");

        byte[] exit = LoopbackPeer.TextFrame(System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"exec.exit\",\"execId\":\"{task.ExecId}\",\"exitCode\":0}}"));
        peer.Send(peer.Encrypt(exit));
        Assert.Equal(0, (await task.AsTask().WaitAsync(timeout.Token)).ExitCode);
    }

    /// <summary>Encrypts <paramref name="block"/> (outside the window), then measures the client receiving all its frames.</summary>
    private static long Feed(TlsLoopbackPeer peer, RealTransportSessionAllocationTests.FrameCounter sink, byte[] block, int count, CancellationToken token)
    {
        byte[] records = peer.Encrypt(block);
        sink.Expect(count);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        peer.Send(records);
        while (!Volatile.Read(ref sink.Done))
        {
            token.ThrowIfCancellationRequested();
            Thread.SpinWait(64);
        }

        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }
}
