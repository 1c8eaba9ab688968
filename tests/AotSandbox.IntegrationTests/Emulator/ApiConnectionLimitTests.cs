using System.Net.Sockets;
using System.Text;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// The API listener bounds its connections (EmulatorOptions.MaxApiConnections, 1,024 by default): a local user
/// opening connections without end cannot make the root-run emulator hold memory for each. Past the bound a new
/// connection is closed at once; once one closes, the next is served.
/// </summary>
public sealed class ApiConnectionLimitTests
{
    [Fact]
    public async Task ConnectionsBeyondTheBound_AreClosed_AndServedAgainOnceOneCloses()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync(o => o.MaxApiConnections = 4);
        var uri = new Uri(h.Server.ApiHost);
        var held = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                held.Add(await ConnectAsync(uri));
                Assert.StartsWith("HTTP/1.1 401", await RoundTripAsync(held[^1]), StringComparison.Ordinal); // served (no credentials)
            }

            using (TcpClient refused = await ConnectAsync(uri))
            {
                Assert.Equal(string.Empty, await RoundTripAsync(refused)); // closed without an answer
            }

            held[0].Dispose();
            held.RemoveAt(0);
            string answer = string.Empty;
            for (int attempt = 0; attempt < 500 && answer.Length == 0; attempt++)
            {
                await Task.Delay(20); // the server notices the close asynchronously (up to 10 s on a loaded machine)
                using TcpClient next = await ConnectAsync(uri);
                answer = await RoundTripAsync(next);
            }

            Assert.StartsWith("HTTP/1.1 401", answer, StringComparison.Ordinal);
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }
    }

    private static async Task<TcpClient> ConnectAsync(Uri uri)
    {
        var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        return client;
    }

    /// <summary>One kept-alive request; the status line, or empty when the server closed the connection instead.</summary>
    private static async Task<string> RoundTripAsync(TcpClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        NetworkStream stream = client.GetStream();
        try
        {
            await stream.WriteAsync("GET /api/v1/namespaces/local/sandboxes HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray(), timeout.Token);
            byte[] buffer = new byte[4096];
            int n = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, n).Split("\r\n")[0];
        }
        catch (IOException)
        {
            return string.Empty; // reset instead of an orderly close
        }
    }
}
