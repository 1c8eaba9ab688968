using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace AotSandbox.AllocTests;

/// <summary>
/// What <see cref="LoopbackPeer"/> (ws://) and <see cref="TlsLoopbackPeer"/> (wss://) do alike: answer the client's
/// upgrade, write requested blocks and drain what the client sends, each on a thread of its own with blocking calls,
/// so the peer allocates nothing per message and its allocations do not vary with the measured count.
/// </summary>
internal static class PeerLoops
{
    /// <summary>Reads the client's upgrade request from <paramref name="stream"/> and answers 101 with its accept key.</summary>
    public static void AnswerUpgrade(Stream stream)
    {
        byte[] buffer = new byte[4096];
        int length = 0;
        int end;
        while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
        {
            int read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                throw new IOException("the client closed before its upgrade request ended");
            }

            length += read;
        }

        string head = Encoding.ASCII.GetString(buffer, 0, end);
        string key = head.Split("\r\n").Single(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
#pragma warning disable CA5350 // RFC 6455 accept computation, written independently of the SDK's.
        string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        stream.Write(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
        stream.Flush();
    }

    /// <summary>Starts a thread that writes <paramref name="pending"/>'s block to the socket each time <paramref name="requested"/> is released.</summary>
    public static void StartWriter(string name, Socket socket, SemaphoreSlim requested, Func<byte[]> pending) =>
        new Thread(() =>
        {
            try
            {
                while (true)
                {
                    requested.Wait();
                    byte[] block = pending();
                    int sent = 0;
                    while (sent < block.Length)
                    {
                        sent += socket.Send(block, sent, block.Length - sent, SocketFlags.None);
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        })
        { IsBackground = true, Name = name }.Start();

    /// <summary>Starts a thread that reads the socket until it closes, reporting each read's length to <paramref name="onRead"/>.</summary>
    public static void StartReader(string name, Socket socket, Action<int>? onRead) =>
        new Thread(() =>
        {
            byte[] buffer = new byte[256 * 1024];
            try
            {
                int read;
                while ((read = socket.Receive(buffer)) > 0)
                {
                    onRead?.Invoke(read);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        })
        { IsBackground = true, Name = name }.Start();
}
