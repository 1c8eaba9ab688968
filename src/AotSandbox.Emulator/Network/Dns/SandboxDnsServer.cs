using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace AotSandbox.Emulator.Network;

/// <summary>Serves <see cref="SandboxResolver"/> on UDP and TCP sockets bound to 127.0.0.1:53 inside a sandbox's namespace.</summary>
internal sealed class SandboxDnsServer(Socket udp, Socket tcp, Func<EgressPolicy> policy, FakeAddressMap addresses)
{
    private const int MaxTcpConnections = 16;
    private readonly ConnectionSlots _tcpSlots = new(MaxTcpConnections);

    /// <summary>Runs both loops until <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(RunUdpAsync(cancellationToken), RunTcpAsync(cancellationToken));

    private async Task RunUdpAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await udp.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { continue; }
            catch (ObjectDisposedException) { return; }
            byte[]? answer = SandboxResolver.Answer(buffer.AsSpan(0, r.ReceivedBytes), policy(), addresses);
            if (answer is null)
            {
                continue;
            }

            try
            {
                await udp.SendToAsync(answer, SocketFlags.None, r.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException) { }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task RunTcpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await tcp.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            if (!_tcpSlots.TryTake()) { client.Dispose(); continue; }
            _ = ServeTcpAsync(client, cancellationToken);
        }
    }

    private async Task ServeTcpAsync(Socket client, CancellationToken cancellationToken)
    {
        using (client)
        using (var stream = new NetworkStream(client, ownsSocket: false))
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                var length = new byte[2];
                for (int i = 0; i < 16; i++)
                {
                    if (await stream.ReadAtLeastAsync(length, 2, throwOnEndOfStream: false, deadline.Token).ConfigureAwait(false) < 2)
                    {
                        break;
                    }

                    int n = BinaryPrimitives.ReadUInt16BigEndian(length);
                    var query = new byte[n];
                    await stream.ReadExactlyAsync(query, deadline.Token).ConfigureAwait(false);
                    byte[]? answer = SandboxResolver.Answer(query, policy(), addresses);
                    if (answer is null)
                    {
                        break;
                    }

                    var framed = new byte[answer.Length + 2];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                    answer.CopyTo(framed, 2);
                    await stream.WriteAsync(framed, deadline.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or EndOfStreamException)
            {
                // A broken or slow client only loses its own connection.
            }
            finally
            {
                _tcpSlots.Release();
            }
        }
    }
}
