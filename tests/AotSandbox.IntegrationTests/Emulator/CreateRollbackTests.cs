using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// Issue 12 item 2: a create whose request cannot be answered (a Host header that is no host[:port]) must be refused
/// before any sandbox exists, with a 4xx JSON error; no real sandbox may be left running behind a failed create.
/// Raw sockets, because HttpClient never sends such requests.
/// </summary>
[Collection(RealSandboxCollection.Name)]
public sealed class CreateRollbackTests
{
    public static TheoryData<string, string> BadHostRequests => new()
    {
        // HTTP/1.0 allows no Host at all; the emulator then cannot build the endpoints of its answer.
        { "HTTP/1.0", "" },
        { "HTTP/1.1", "Host: a:99999\r\n" },
        { "HTTP/1.0", "Host: a:99999\r\n" },
    };

    [Theory]
    [MemberData(nameof(BadHostRequests))]
    public async Task Create_WithAHostThatIsNoAddress_Is400Json_AndLeavesNoSandbox(string version, string hostLine)
    {
        await using EmulatorHarness h = await EmulatorHarness.StartRealAsync();
        var api = new Uri(h.Server.ApiHost);
        string auth = Convert.ToBase64String(Encoding.UTF8.GetBytes(h.Server.ApiKey));
        string request = $"POST /api/v1/namespaces/{h.Ns}/sandboxes {version}\r\n{hostLine}Authorization: Basic {auth}\r\n"
            + "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";

        (int status, string body) = await SendRawAsync(api.Port, request);

        Assert.True(status is >= 400 and < 500, $"expected a 4xx, got {status}: {body}");
        Assert.Contains("Host", (string?)JsonNode.Parse(body)!["error"], StringComparison.Ordinal);
        JsonObject health = JsonNode.Parse(await new HttpClient().GetStringAsync(h.Server.ApiHost + "/healthz"))!.AsObject();
        Assert.Equal(0, (int)health["sandboxes"]!);
        // No sandbox apart from the pre-warmed pool's idle entries (the emulator's own, never a tenant's).
        string[] pooled = await IdlePoolWhenFullAsync(h);
        string[] present = Directory.Exists("/run/aotsb-srvtest/sandboxes") ? Directory.GetDirectories("/run/aotsb-srvtest/sandboxes") : [];
        Assert.Equal(pooled.Order(), present.Select(d => Path.GetFileName(d)!).Order());

        // The emulator still creates for a well-formed request (the slot was never taken).
        JsonObject created = await h.CreateAsync();
        Assert.Equal("ready", (string?)created["status"]);
    }

    private static async Task<string[]> IdlePoolWhenFullAsync(EmulatorHarness h)
    {
        AotSandbox.Emulator.Sandboxes.SandboxPool pool = h.Server.Pool!;
        DateTime until = DateTime.UtcNow.AddSeconds(30);
        while ((pool.IdleCount < AotSandbox.Emulator.EmulatorOptions.DefaultPoolSize || pool.Count != pool.IdleCount) && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        return pool.IdleIds;
    }

    private static async Task<(int Status, string Body)> SendRawAsync(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string response = await reader.ReadToEndAsync(timeout.Token);
        int status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        int split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string body = response[(split + 4)..];
        if (response.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return (status, body);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        int at = 0;
        while (true)
        {
            int eol = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            int size = Convert.ToInt32(chunked[at..eol], 16);
            if (size == 0)
            {
                return body.ToString();
            }

            body.Append(chunked, eol + 2, size);
            at = eol + 2 + size + 2;
        }
    }
}
