using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Tests.Sdk.Fakes;

/// <summary>One request as the stub saw it.</summary>
internal sealed record RecordedRequest(string Method, string Path, string? Authorization, string? ContentType, string Body)
{
    /// <summary>The query string, with its leading '?' (empty when none).</summary>
    public string Query { get; init; } = string.Empty;
}

/// <summary>
/// A canned-response HTTP server on 127.0.0.1:0 (Kestrel): a test double for the shape of Adobe's control plane,
/// used to check what the SDK sends and how it maps statuses. Not the emulator.
/// </summary>
internal sealed class RestStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RestStub(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public List<RecordedRequest> Requests { get; } = [];

    public static async Task<RestStub> StartAsync(Func<RecordedRequest, (int Status, string Body)> respond)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        RestStub? stub = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            string body = await reader.ReadToEndAsync();
            var request = new RecordedRequest(
                context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null,
                context.Request.ContentType, body)
            {
                Query = context.Request.QueryString.Value ?? string.Empty,
            };
            lock (stub!.Requests)
            {
                stub.Requests.Add(request);
            }

            (int status, string text) = respond(request);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(text);
        });
        await app.StartAsync();
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub = new RestStub(app, url);
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
