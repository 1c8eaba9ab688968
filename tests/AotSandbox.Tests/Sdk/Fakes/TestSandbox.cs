using AotSandbox.Rest;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Sdk.Fakes;

/// <summary>Builds connected <see cref="Sandbox"/> instances over an <see cref="InMemoryTransport"/>, without REST.</summary>
internal static class TestSandbox
{
    public const string Id = "sb-test";

    public static SandboxCredentials Credentials => SandboxCredentials.Resolve("http://127.0.0.1:1", "ns", "uuid:key");

    public static Sandbox Create(
        InMemoryTransport transport, string? token = "tok", string[]? extensions = null, string apiHost = "http://127.0.0.1:1", Action<SandboxConnectionOptions>? configure = null)
    {
        var options = new SandboxConnectionOptions
        {
            ApiHost = apiHost,
            Namespace = "ns",
            ApiKey = "uuid:key",
            TransportFactory = (_, _, _) => ValueTask.FromResult<IMessageTransport>(transport),
        };
        configure?.Invoke(options);
        string ext = extensions is null ? string.Empty : $",\"extensions\":[{string.Join(",", extensions.Select(e => $"\"{e}\""))}]";
        SandboxResponse response = System.Text.Json.JsonSerializer.Deserialize(
            $"{{\"sandboxId\":\"{Id}\",\"token\":\"tok\",\"status\":\"ready\",\"wsEndpoint\":\"ws://127.0.0.1:1/api/v1/namespaces/ns/sandboxes/{Id}/exec\",\"previewUrls\":{{\"3000\":\"https://sb-test-3000.example.net\"}}{ext}}}",
            RestJsonContext.Default.SandboxResponse)!;
        return Sandbox.FromResponse(options, SandboxCredentials.Resolve(options), response, Id, token);
    }

    /// <summary>A sandbox whose transport already holds the auth.ok, connected.</summary>
    public static async Task<(Sandbox Sandbox, InMemoryTransport Transport)> ConnectedAsync(string[]? extensions = null)
    {
        var transport = new InMemoryTransport();
        transport.Enqueue($"{{\"type\":\"auth.ok\",\"sandboxId\":\"{Id}\"}}");
        Sandbox sandbox = Create(transport, extensions: extensions);
        await sandbox.ConnectAsync();
        Assert.Equal("{\"type\":\"auth\",\"token\":\"tok\"}", await transport.NextSentAsync());
        return (sandbox, transport);
    }

    /// <summary>Reads the execId of a client frame.</summary>
    public static string ExecIdOf(string frame)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(frame);
        return doc.RootElement.GetProperty("execId").GetString()!;
    }

    public static string TypeOf(string frame)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(frame);
        return doc.RootElement.GetProperty("type").GetString()!;
    }
}
