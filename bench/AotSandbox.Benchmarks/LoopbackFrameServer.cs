using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Benchmarks;

/// <summary>
/// A Kestrel WebSocket server that speaks just enough of the data plane to stream output: it answers <c>auth</c> with
/// <c>auth.ok</c>, and an <c>exec.run</c> whose command is <c>stream FRAMES BYTES</c> with FRAMES <c>exec.output</c>
/// frames of BYTES decoded bytes each (one pre-built message, sent FRAMES times), then <c>exec.exit</c>. Every client,
/// ours or the baseline, gets the very same bytes.
/// </summary>
public sealed class LoopbackFrameServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackFrameServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The ws:// address of the data plane.</summary>
    public Uri Endpoint { get; }

    /// <summary>The http:// origin (for the SDK's REST settings, which this server never serves).</summary>
    public string ApiHost => $"http://{Endpoint.Authority}";

    public static async Task<LoopbackFrameServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.UseWebSockets();
        app.Map("/ws", ServeAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        return new LoopbackFrameServer(app, new Uri($"ws://127.0.0.1:{port}/ws"));
    }

    /// <summary>The command-line switch that makes this program serve frames until its standard input closes.</summary>
    public const string ServeSwitch = "--serve-frames";

    /// <summary>Serves until standard input reaches its end (the parent died or closed it), printing the endpoint first.</summary>
    public static async Task<int> ServeUntilStdinClosesAsync()
    {
        await using LoopbackFrameServer server = await StartAsync();
        Console.WriteLine(server.Endpoint);
        await Console.In.ReadToEndAsync();
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task ServeAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
        byte[] buffer = new byte[64 * 1024];
        CancellationToken stop = context.RequestAborted;
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), stop);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stop);
                    return;
                }

                await AnswerAsync(socket, buffer.AsMemory(0, length), stop);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away: nothing to answer.
        }
    }

    private static async Task AnswerAsync(WebSocket socket, ReadOnlyMemory<byte> message, CancellationToken stop)
    {
        string? type;
        string? execId;
        string? command;
        using (JsonDocument document = JsonDocument.Parse(message))
        {
            JsonElement root = document.RootElement;
            type = root.GetProperty("type").GetString();
            execId = root.TryGetProperty("execId", out JsonElement id) ? id.GetString() : null;
            command = root.TryGetProperty("command", out JsonElement c) ? c.GetString() : null;
        }

        if (type == "auth")
        {
            await socket.SendAsync("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-bench\"}"u8.ToArray(), WebSocketMessageType.Text, true, stop);
            return;
        }

        if (type != "exec.run" || command is null || execId is null)
        {
            return;
        }

        string[] words = command.Split(' ');
        int frames = int.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture);
        int bytes = int.Parse(words[2], System.Globalization.CultureInfo.InvariantCulture);
        byte[] output = WireFrames.ExecOutputJson(execId, WireFrames.OutputData(bytes));
        for (int i = 0; i < frames; i++)
        {
            await socket.SendAsync(output, WebSocketMessageType.Text, true, stop);
        }

        await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"exec.exit\",\"execId\":\"{execId}\",\"exitCode\":0}}"), WebSocketMessageType.Text, true, stop);
    }

    /// <summary>A server in a child process of this same program.</summary>
    public sealed class ChildProcess : IDisposable
    {
        private readonly System.Diagnostics.Process _process;

        private ChildProcess(System.Diagnostics.Process process, Uri endpoint)
        {
            _process = process;
            Endpoint = endpoint;
        }

        public Uri Endpoint { get; }

        public string ApiHost => $"http://{Endpoint.Authority}";

        public static ChildProcess Start()
        {
            string host = Environment.ProcessPath!;
            var start = new System.Diagnostics.ProcessStartInfo(host) { RedirectStandardInput = true, RedirectStandardOutput = true };
            if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            {
                start.ArgumentList.Add(typeof(LoopbackFrameServer).Assembly.Location);
            }

            start.ArgumentList.Add(ServeSwitch);
            var process = System.Diagnostics.Process.Start(start)!;
            string line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The frame server exited before listening.");
            return new ChildProcess(process, new Uri(line));
        }

        public void Dispose()
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5_000))
            {
                _process.Kill();
            }

            _process.Dispose();
        }
    }
}
