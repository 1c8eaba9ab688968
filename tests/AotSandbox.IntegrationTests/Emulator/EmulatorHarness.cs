using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AotSandbox.Emulator;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// An in-process emulator on a free loopback port, backed by <see cref="FakeHostProcessRuntime"/>, with two tenants
/// ("ns-a" primary, "ns-b"), plus plain HttpClient / ClientWebSocket helpers: an independent client, not the SDK.
/// </summary>
internal sealed class EmulatorHarness : IAsyncDisposable
{
    public const string KeyB = "22222222-2222-2222-2222-222222222222:secret-b";

    private EmulatorHarness(EmulatorServer server, FakeHostProcessRuntime? runtime)
    {
        Server = server;
        Runtime = runtime;
        Http = NewHttp(server.ApiKey);
        HttpB = NewHttp(KeyB);
    }

    public EmulatorServer Server { get; }

    /// <summary>The fake runtime, or null when the harness runs real (bubblewrap) sandboxes.</summary>
    public FakeHostProcessRuntime? Runtime { get; }

    public HttpClient Http { get; }

    public HttpClient HttpB { get; }

    public string Ns => Server.Namespace;

    /// <summary>An emulator over <see cref="FakeHostProcessRuntime"/> (host processes, no isolation).</summary>
    public static Task<EmulatorHarness> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var runtime = new FakeHostProcessRuntime();
        return StartAsync(_ => runtime, runtime, configure);
    }

    /// <summary>
    /// An emulator over the real bubblewrap runtime, with its own uid range, cgroup parent, netns prefix and state root,
    /// so its leftover sweep can never touch sandboxes of another emulator (or engineer) on this machine.
    /// </summary>
    public static Task<EmulatorHarness> StartRealAsync(Action<EmulatorOptions>? configure = null) =>
        // A fixed tag: runs reuse (rather than accumulate) the parent cgroups and state root; the collection is serial.
        StartRealAsync(RealRuntimeOptions("aotsb-srvtest", "srvtest-", 600000), configure);

    /// <summary>The real runtime's options for a tag: state root /run/TAG, cgroup parent TAG, 32 uids from <paramref name="uidBase"/>.</summary>
    public static AotSandbox.Emulator.Runtime.BubblewrapRuntimeOptions RealRuntimeOptions(string tag, string netnsPrefix, int uidBase) => new()
    {
        StateRoot = "/run/" + tag,
        CgroupParent = tag,
        NetnsPrefix = netnsPrefix,
        UidBase = uidBase,
        UidCount = 32,
    };

    /// <summary>An emulator over the real runtime with the given host resources (a test class with its own range).</summary>
    public static Task<EmulatorHarness> StartRealAsync(AotSandbox.Emulator.Runtime.BubblewrapRuntimeOptions runtimeOptions, Action<EmulatorOptions>? configure = null) =>
        StartAsync(_ => new AotSandbox.Emulator.Runtime.BubblewrapRuntime(runtimeOptions), null, configure);

    private static async Task<EmulatorHarness> StartAsync(Func<EmulatorOptions, AotSandbox.Emulator.Runtime.ISandboxRuntime> factory, FakeHostProcessRuntime? fake, Action<EmulatorOptions>? configure)
    {
        var options = new EmulatorOptions
        {
            Namespace = "ns-a",
            RuntimeFactory = factory,
            // The fake-runtime tests are about the REST/WebSocket layer and count runtime instances one per create: no
            // pre-warmed entries there. The real-runtime harness keeps the default pool (PoolTests cover it).
            PoolSize = fake is null ? EmulatorOptions.DefaultPoolSize : 0,
            Timings = new EmulatorTimings { SweepInterval = TimeSpan.FromMilliseconds(100), AuthTimeout = TimeSpan.FromSeconds(2) },
        };
        options.AdditionalTenants.Add(new EmulatorTenant("ns-b", KeyB));
        configure?.Invoke(options);
        var server = new EmulatorServer(options);
        await server.StartAsync();
        return new EmulatorHarness(server, fake);
    }

    public string SandboxesUrl(string? ns = null) => $"{Server.ApiHost}/api/v1/namespaces/{ns ?? Ns}/sandboxes";

    public async Task<JsonObject> CreateAsync(string body = "{\"name\":null,\"size\":\"SMALL\",\"type\":\"cpu:default\",\"idleTimeout\":900,\"maxLifetime\":3600}")
    {
        using HttpResponseMessage response = await Http.PostAsync(SandboxesUrl(), Json(body));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Opens the WebSocket of a created sandbox and authenticates; asserts auth.ok is the first frame.</summary>
    public static async Task<WsClient> ConnectAsync(JsonObject created)
    {
        var client = await WsClient.OpenAsync(new Uri((string)created["wsEndpoint"]!));
        await client.SendAsync(new JsonObject { ["type"] = "auth", ["token"] = (string)created["token"]! });
        JsonObject first = await client.ReceiveAsync();
        Assert.Equal("auth.ok", (string?)first["type"]);
        Assert.Equal((string)created["sandboxId"]!, (string?)first["sandboxId"]);
        return client;
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        HttpB.Dispose();
        await Server.DisposeAsync();
    }

    private static HttpClient NewHttp(string key)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key)));
        return http;
    }
}

/// <summary>A ClientWebSocket that speaks JSON frames, with timeouts so a broken server fails a test instead of hanging it.</summary>
internal sealed class WsClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public WebSocket Socket => _socket;

    public static async Task<WsClient> OpenAsync(Uri uri)
    {
        var client = new WsClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client._socket.ConnectAsync(uri, timeout.Token);
        return client;
    }

    public Task SendAsync(JsonObject frame) => SendRawAsync(frame.ToJsonString());

    public async Task SendRawAsync(string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>The next frame; fails when the socket closes or nothing arrives in time.</summary>
    public async Task<JsonObject> ReceiveAsync(double seconds = 10)
    {
        (string? text, WebSocketCloseStatus? status) = await ReceiveMessageAsync(seconds);
        Assert.True(text is not null, $"socket closed with {status} ({_socket.CloseStatusDescription}) while a frame was expected");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Frames until one matches; all frames read on the way are returned too.</summary>
    public async Task<List<JsonObject>> ReceiveUntilAsync(Func<JsonObject, bool> last, double seconds = 15)
    {
        var frames = new List<JsonObject>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            double left = (deadline - DateTime.UtcNow).TotalSeconds;
            Assert.True(left > 0, "timed out; got: " + string.Join(" | ", frames.Select(f => f.ToJsonString())));
            JsonObject frame = await ReceiveAsync(left);
            frames.Add(frame);
            if (last(frame))
            {
                return frames;
            }
        }
    }

    /// <summary>Every frame until the server closes, and the close status.</summary>
    public async Task<(List<JsonObject> Frames, WebSocketCloseStatus? Status)> ReceiveUntilCloseAsync(double seconds = 15)
    {
        var frames = new List<JsonObject>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            double left = (deadline - DateTime.UtcNow).TotalSeconds;
            Assert.True(left > 0, $"no close within {seconds} s; got {frames.Count} frames");
            (string? text, WebSocketCloseStatus? status) = await ReceiveMessageAsync(left);
            if (text is null)
            {
                return (frames, status);
            }

            frames.Add(JsonNode.Parse(text)!.AsObject());
        }
    }

    /// <summary>Reads until the server closes; returns the close status.</summary>
    public async Task<WebSocketCloseStatus?> ReceiveCloseAsync(double seconds = 10)
    {
        while (true)
        {
            (string? text, WebSocketCloseStatus? status) = await ReceiveMessageAsync(seconds);
            if (text is null)
            {
                return status;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }

        _socket.Dispose();
    }

    private async Task<(string? Text, WebSocketCloseStatus? Status)> ReceiveMessageAsync(double seconds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var buffer = new MemoryStream();
        byte[] chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                WebSocketReceiveResult result = await _socket.ReceiveAsync(chunk, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return (null, result.CloseStatus);
                }

                buffer.Write(chunk, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return (Encoding.UTF8.GetString(buffer.ToArray()), null);
                }
            }
        }
        catch (WebSocketException)
        {
            return (null, _socket.CloseStatus);
        }
    }
}

/// <summary>Frame builders for tests.</summary>
internal static class Frames
{
    public static string NewExecId() => "exec-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..12]);

    public static string NewFileId() => "file-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..12]);

    public static JsonObject Run(string execId, string command, bool detached = false)
    {
        var frame = new JsonObject { ["type"] = "exec.run", ["execId"] = execId, ["command"] = command };
        if (detached)
        {
            frame["detached"] = true;
        }

        return frame;
    }

    public static bool IsExit(JsonObject frame, string execId) => (string?)frame["type"] == "exec.exit" && (string?)frame["execId"] == execId;

    public static string Stdout(IEnumerable<JsonObject> frames, string execId) => string.Concat(frames
        .Where(f => (string?)f["type"] == "exec.output" && (string?)f["execId"] == execId && (string?)f["stream"] == "stdout")
        .Select(f => (string?)f["data"]));

    public static JsonElement Element(JsonObject node) => JsonDocument.Parse(node.ToJsonString()).RootElement;
}
