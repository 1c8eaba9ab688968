using System.Text;
using AotSandbox.Tests.Sdk.Fakes;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Sdk;

/// <summary>Control-plane requests (docs/PROTOCOL.md §2) against a canned HTTP stub.</summary>
public sealed class RestTests
{
    private const string CreateResponse =
        "{\"sandboxId\":\"sb-new\",\"wsEndpoint\":\"wss://runtime.example.net/api/v1/namespaces/ns/sandboxes/sb-new/exec\",\"status\":\"ready\",\"token\":\"tok-new\","
        + "\"maxLifetime\":600,\"idleTimeout\":120,\"protocolVersion\":\"1\",\"region\":\"va6\",\"cluster\":\"c\",\"name\":\"n\","
        + "\"previewUrls\":{\"3000\":\"https://sb-new-3000.preview.example.net\",\"bad\":\"x\"},\"managementEndpoint\":\"MGMT\",\"extensions\":[\"exec.replay\",7]}";

    private static string Basic(string key) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    [Fact]
    public async Task Create_PostsTheBodyWithBasicAuth_ParsesTheResponse_AndConnects()
    {
        await using RestStub stub = await RestStub.StartAsync(_ => (200, CreateResponse));
        var transport = new InMemoryTransport();
        transport.Enqueue("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-new\"}");
        Uri? wsUri = null;
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions
        {
            ApiHost = stub.Url + "/",
            Namespace = "ns",
            ApiKey = "uuid:key",
            Name = "n",
            TransportFactory = (uri, _, _) =>
            {
                wsUri = uri;
                return ValueTask.FromResult<IMessageTransport>(transport);
            },
        });

        RecordedRequest request = Assert.Single(stub.Requests);
        Assert.Equal(("POST", "/api/v1/namespaces/ns/sandboxes", Basic("uuid:key"), "application/json"), (request.Method, request.Path, request.Authorization, request.ContentType));
        Assert.Equal("{\"name\":\"n\",\"size\":\"MEDIUM\",\"type\":\"cpu:default\",\"idleTimeout\":900,\"maxLifetime\":3600}", request.Body);
        Assert.Equal(new Uri("wss://runtime.example.net/api/v1/namespaces/ns/sandboxes/sb-new/exec"), wsUri);
        Assert.True(sandbox.IsConnected);
        Assert.Equal(("sb-new", "ready", "va6", "c", "n", "1"), (sandbox.Id, sandbox.Status, sandbox.Region, sandbox.Cluster, sandbox.Name, sandbox.ProtocolVersion));
        Assert.Equal((TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(120)), (sandbox.MaxLifetime, sandbox.IdleTimeout));
        Assert.Equal("https://sb-new-3000.preview.example.net", Assert.Single(sandbox.PreviewUrls).Value);
        Assert.Equal(["exec.replay"], sandbox.Extensions);
        Assert.Equal(stub.Url, sandbox.ApiHost);
        Assert.Equal("ns", sandbox.Namespace);
        await sandbox.DisposeAsync();
    }

    [Theory]
    [InlineData(401, typeof(SandboxUnauthorizedException))]
    [InlineData(403, typeof(SandboxUnauthorizedException))]
    [InlineData(404, typeof(SandboxNotFoundException))]
    [InlineData(504, typeof(SandboxTimeoutException))]
    [InlineData(429, typeof(SandboxCapacityException))]
    [InlineData(400, typeof(SandboxClientException))]
    [InlineData(409, typeof(SandboxClientException))]
    [InlineData(500, typeof(SandboxClientException))]
    public async Task HttpErrors_MapToErrorClasses_WithStatusAndBody(int status, Type expected)
    {
        await using RestStub stub = await RestStub.StartAsync(_ => (status, "{\"error\":\"why\"}"));
        var options = new SandboxConnectionOptions { ApiHost = stub.Url, Namespace = "ns", ApiKey = "k" };
        var error = (SandboxException)await Assert.ThrowsAsync(expected, () => Sandbox.GetAsync("sb-1", options));
        Assert.Equal($"Could not get sandbox status: {status} {{\"error\":\"why\"}}", error.Message);
        Assert.Equal(status, error.StatusCode);
    }

    [Fact]
    public async Task TransportFailure_IsClientError()
    {
        var options = new SandboxConnectionOptions { ApiHost = "http://127.0.0.1:1", Namespace = "ns", ApiKey = "k" };
        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.GetAsync("sb-1", options));
        Assert.StartsWith("Sandbox API request failed: ", error.Message);
    }

    [Fact]
    public async Task Get_IsNotConnected_UsesManagementEndpoint_AndFallsBackToRequestedId()
    {
        await using RestStub stub = await RestStub.StartAsync(_ => (200, "{\"status\":\"running\",\"previewUrls\":{\"8080\":\"https://p\"}}"));
        var options = new SandboxConnectionOptions { ApiHost = "http://127.0.0.1:1", Namespace = "ns", ApiKey = "k", ManagementEndpoint = stub.Url };
        Sandbox sandbox = await Sandbox.GetAsync("sb-1", options);
        RecordedRequest request = Assert.Single(stub.Requests);
        Assert.Equal(("GET", "/api/v1/namespaces/ns/sandboxes/sb-1", null as string), (request.Method, request.Path, request.ContentType));
        Assert.Equal(("sb-1", "running", false), (sandbox.Id, sandbox.Status, sandbox.IsConnected));
        Assert.Equal("https://p", sandbox.GetUrl(8080));
        Assert.Equal((TimeSpan.FromSeconds(3600), TimeSpan.FromSeconds(900)), (sandbox.MaxLifetime, sandbox.IdleTimeout));
        Assert.Throws<SandboxWebSocketException>(() => sandbox.Exec("ls"));
        await Assert.ThrowsAsync<SandboxWebSocketException>(() => sandbox.ConnectAsync());

        SandboxDestroyResult destroyed = await sandbox.DestroyAsync();
        Assert.Equal("DELETE", stub.Requests[1].Method);
        Assert.Equal("/api/v1/namespaces/ns/sandboxes/sb-1", stub.Requests[1].Path);
        Assert.Equal("sb-1", destroyed.SandboxId);
    }

    [Fact]
    public async Task Destroy_EmptySuccessBody_IsAccepted_AndUsesTheReturnedManagementEndpoint()
    {
        await using RestStub management = await RestStub.StartAsync(_ => (200, ""));
        await using RestStub api = await RestStub.StartAsync(_ => (200, $"{{\"sandboxId\":\"sb-2\",\"status\":\"running\",\"managementEndpoint\":\"{management.Url}/\"}}"));
        Sandbox sandbox = await Sandbox.GetAsync("sb-2", new SandboxConnectionOptions { ApiHost = api.Url, Namespace = "ns", ApiKey = "k" });
        Assert.Equal(management.Url + "/", sandbox.ManagementEndpoint);
        SandboxDestroyResult result = await sandbox.DestroyAsync();
        Assert.Equal(("sb-2", null as string), (result.SandboxId, result.Status));
        RecordedRequest delete = Assert.Single(management.Requests);
        Assert.Equal(("DELETE", "/api/v1/namespaces/ns/sandboxes/sb-2", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("k"))), (delete.Method, delete.Path, delete.Authorization));
    }

    [Fact]
    public async Task Create_ConnectFails_DeletesTheOrphanAndThrowsTheConnectError()
    {
        await using RestStub stub = await RestStub.StartAsync(r => r.Method == "POST" ? (200, "{\"sandboxId\":\"sb-o\",\"token\":\"t\"}") : (200, "{\"status\":\"destroyed\"}"));
        var error = await Assert.ThrowsAsync<SandboxWebSocketException>(() => Sandbox.CreateAsync(new SandboxCreateOptions
        {
            ApiHost = stub.Url,
            Namespace = "ns",
            ApiKey = "k",
            TransportFactory = (_, _, _) => ValueTask.FromException<IMessageTransport>(new IOException("refused")),
        }));
        Assert.Equal("Could not connect sandbox 'sb-o': refused", error.Message);
        Assert.Equal(["POST /api/v1/namespaces/ns/sandboxes", "DELETE /api/v1/namespaces/ns/sandboxes/sb-o"], stub.Requests.Select(r => $"{r.Method} {r.Path}"));
    }
}
