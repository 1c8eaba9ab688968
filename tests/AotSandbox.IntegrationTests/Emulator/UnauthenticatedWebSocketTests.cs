using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using AotSandbox.Emulator;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// Issue 12 item 3: before auth.ok a WebSocket client has no token, so it may make the server hold only what an auth
/// frame needs. A bigger first message is closed with 1009 as soon as it passes the bound (not buffered to 16 MiB),
/// and connections waiting to authenticate are bounded per server (HTTP 503 beyond). Raw sockets: no WebSocket client
/// library sends a 16 MiB frame header and then stops.
/// </summary>
[Collection(RealSandboxCollection.Name)]
public sealed class UnauthenticatedWebSocketTests
{
    private const int AuthBound = 8 * 1024;
    private const int UnauthenticatedBound = 256;

    [Fact]
    public async Task OversizedFirstFrame_IsClosed1009_AndTheServerDoesNotBufferIt()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync();
        int port = new Uri(h.Server.ApiHost).Port;
        // 64 KiB past the 8 KiB bound: far more than an auth frame, yet little enough that the server's transport has read
        // it all before the close, so the close frame is not lost to a reset for unread data.
        byte[] junk = Encoding.ASCII.GetBytes("{\"type\":\"auth\",\"token\":\"" + new string('A', 64 * 1024));

        long before = CurrentRss();
        var clients = new List<TcpClient>();
        var streams = new List<NetworkStream>();
        try
        {
            // 16 connections, each announcing a 16 MiB message and sending its first 64 KiB.
            for (int i = 0; i < 16; i++)
            {
                TcpClient client = await UpgradeAsync(port);
                clients.Add(client);
                // The stream is taken now: TcpClient.GetStream refuses once a write has seen the server's reset.
                streams.Add(client.GetStream());
                await SendFrameHeaderAsync(client, 16 * 1024 * 1024 - 1);
                _ = streams[^1].WriteAsync(junk).AsTask().ContinueWith(t => t.Exception, TaskScheduler.Default);
            }

            foreach (NetworkStream stream in streams)
            {
                (int opcode, int code) = await ReadFirstFrameAsync(stream, TimeSpan.FromSeconds(10));
                Assert.Equal(8, opcode);
                Assert.Equal(1009, code);
            }

            long grown = CurrentRss() - before;
            Console.WriteLine($"16 unauthenticated 16 MiB frames: emulator RSS +{grown / (1024 * 1024)} MiB");
            Assert.True(grown < 48L * 1024 * 1024, $"the emulator grew by {grown / (1024 * 1024)} MiB for 16 unauthenticated connections");
        }
        finally
        {
            foreach (TcpClient client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task ConnectionsWaitingForAuth_AreBounded_AndTheNextUpgradeIs503()
    {
        // A long auth deadline, so the held connections are still unauthenticated when the extra one arrives.
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync(o =>
            o.Timings = new EmulatorTimings { SweepInterval = TimeSpan.FromMilliseconds(100), AuthTimeout = TimeSpan.FromSeconds(60) });
        int port = new Uri(h.Server.ApiHost).Port;
        var held = new List<TcpClient>();
        try
        {
            for (int i = 0; i < UnauthenticatedBound; i++)
            {
                held.Add(await UpgradeAsync(port));
            }

            using TcpClient extra = new();
            await extra.ConnectAsync("127.0.0.1", port);
            string response = await HandshakeAsync(extra, port);
            Assert.StartsWith("HTTP/1.1 503", response, StringComparison.Ordinal);
            Assert.Contains("waiting to authenticate", response, StringComparison.Ordinal);

            // Those slots come back when the holders go: a new upgrade succeeds again.
            foreach (TcpClient client in held)
            {
                client.Dispose();
            }

            held.Clear();
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                using TcpClient again = new();
                await again.ConnectAsync("127.0.0.1", port);
                string second = await HandshakeAsync(again, port);
                if (second.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
                {
                    break;
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "slots of closed unauthenticated connections were never released: " + second);
                await Task.Delay(100);
            }
        }
        finally
        {
            foreach (TcpClient client in held)
            {
                client.Dispose();
            }
        }
    }

    private static async Task<TcpClient> UpgradeAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        string response = await HandshakeAsync(client, port);
        Assert.StartsWith("HTTP/1.1 101", response, StringComparison.Ordinal);
        return client;
    }

    /// <summary>Sends the upgrade request and returns the response head (and, for a refusal, whatever body came with it).</summary>
    private static async Task<string> HandshakeAsync(TcpClient client, int port)
    {
        NetworkStream stream = client.GetStream();
        string request = $"GET /api/v1/namespaces/ns-a/sandboxes/sb-00000000000000000000000000000000/exec HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var head = new StringBuilder();
        byte[] one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, timeout.Token) == 0)
            {
                return head.ToString();
            }

            head.Append((char)one[0]);
        }

        if (!head.ToString().StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            byte[] body = new byte[4096];
            int n = await stream.ReadAsync(body, timeout.Token);
            head.Append(Encoding.UTF8.GetString(body, 0, n));
        }

        return head.ToString();
    }

    /// <summary>A masked text frame header (FIN set) announcing <paramref name="length"/> bytes, with a zero mask key.</summary>
    private static async Task SendFrameHeaderAsync(TcpClient client, long length)
    {
        byte[] header = new byte[14];
        header[0] = 0x81;
        header[1] = 0x80 | 127;
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(2), length);
        await client.GetStream().WriteAsync(header);
    }

    /// <summary>Opcode and (for a close) the close code of the first server frame.</summary>
    private static async Task<(int Opcode, int Code)> ReadFirstFrameAsync(NetworkStream stream, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        byte[] head = new byte[2];
        await stream.ReadExactlyAsync(head, timeout.Token);
        int opcode = head[0] & 0x0F;
        int length = head[1] & 0x7F;
        if (length == 126)
        {
            byte[] ext = new byte[2];
            await stream.ReadExactlyAsync(ext, timeout.Token);
            length = BinaryPrimitives.ReadUInt16BigEndian(ext);
        }

        byte[] payload = new byte[length];
        await stream.ReadExactlyAsync(payload, timeout.Token);
        return (opcode, opcode == 8 && length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : -1);
    }

    private static long CurrentRss()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }
}
