using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// Battery group T (docs/SECURITY-MODEL.md §5): two tenants (namespaces rel-a and rel-b with their own API keys) on one
/// emulator. T4 (signed URLs) does not apply: the emulator offers no signed URLs.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class TenancyTests(SecurityFixture fixture) : Battery(fixture)
{
    private string Url(string ns, string id) => $"{Fixture.Server.ApiHost}/api/v1/namespaces/{ns}/sandboxes/{id}";

    [Fact]
    public async Task T1_IdsAndTokensAreLongAndRandom_EveryEndpointChecksTheOwner()
    {
        Sandbox a = await NewSandboxAsync();
        Sandbox b = await Sandbox.CreateAsync(Fixture.CreateB());
        Track(b);
        foreach (string secret in new[] { a.SessionToken!, b.SessionToken! })
        {
            Assert.True(secret.Length >= 22, secret); // ≥ 128 bits in base64url or hex
        }

        Assert.NotEqual(a.SessionToken, b.SessionToken);
        Assert.NotEqual(a.Id, b.Id);

        // B's key on A's sandbox, through every REST endpoint (both the foreign and the own namespace in the path).
        foreach (string ns in new[] { "rel-a", "rel-b" })
        {
            using HttpResponseMessage get = await Fixture.HttpB.GetAsync(Url(ns, a.Id));
            using HttpResponseMessage delete = await Fixture.HttpB.DeleteAsync(Url(ns, a.Id));
            Assert.True(get.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"GET {ns}: {get.StatusCode}");
            Assert.True(delete.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"DELETE {ns}: {delete.StatusCode}");
        }

        // The data plane: B's credentials cannot open A's sandbox, nor can A's id with B's session token.
        await Assert.ThrowsAnyAsync<SandboxException>(() => Sandbox.GetAsync(a.Id, Fixture.Connection(tenantB: true)));
        await Assert.ThrowsAnyAsync<SandboxException>(() => Sandbox.AttachAsync(a.Id, b.SessionToken!, Fixture.Connection(tenantB: true)));
        await Assert.ThrowsAnyAsync<SandboxException>(() => Sandbox.AttachAsync(a.Id, b.SessionToken!, Fixture.Connection()));
        Assert.Equal("still-here\n", (await RunAsync(a, "echo still-here")).Stdout);
    }

    [Fact]
    public async Task T2_NotYoursAndNotFound_AreIndistinguishable()
    {
        Sandbox a = await NewSandboxAsync();
        string random = "sb-" + Guid.NewGuid().ToString("N");
        (HttpStatusCode, string) foreign = await ProbeAsync(Fixture.HttpB, Url("rel-b", a.Id));
        (HttpStatusCode, string) missing = await ProbeAsync(Fixture.HttpB, Url("rel-b", random));
        Assert.Equal(missing.Item1, foreign.Item1);
        Assert.Equal(missing.Item2.Replace(random, "ID", StringComparison.Ordinal), foreign.Item2.Replace(a.Id, "ID", StringComparison.Ordinal));
        (HttpStatusCode, string) crossNs = await ProbeAsync(Fixture.HttpB, Url("rel-a", a.Id));
        (HttpStatusCode, string) crossNsMissing = await ProbeAsync(Fixture.HttpB, Url("rel-a", random));
        Assert.Equal(crossNsMissing.Item1, crossNs.Item1);
        Assert.Equal(crossNsMissing.Item2.Replace(random, "ID", StringComparison.Ordinal), crossNs.Item2.Replace(a.Id, "ID", StringComparison.Ordinal));
    }

    [Fact]
    public async Task T3_NoControlPlaneCredentialInside_AndTheApiIsUnreachableFromInside()
    {
        Sandbox sb = await NewSandboxAsync();
        string key = Fixture.Server.ApiKey;
        string secret = key[(key.IndexOf(':', StringComparison.Ordinal) + 1)..];
        // The pattern comes on stdin, so grep's own command line does not contain it.
        ExecResult grep = await RunAsync(sb, "grep -rlsF -f /dev/stdin /etc /workspace /home /tmp /proc/[0-9]*/environ /proc/[0-9]*/cmdline /.aotsandbox; echo done", 60, stdin: secret + "\n" + sb.SessionToken + "\n");
        Assert.Equal("done\n", grep.Stdout);
        Assert.DoesNotContain(sb.SessionToken!, (await RunAsync(sb, "env; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n'")).Stdout, StringComparison.Ordinal);
        int port = new Uri(Fixture.Server.ApiHost).Port;
        // The sandbox's loopback is its own network namespace's: nothing listens on the API's port there.
        ProbeOutcome connect = await PythonProbeAsync(sb, $"""
            def api():
                s = socket.socket(); s.settimeout(2)
                s.connect(('127.0.0.1', {port})); s.sendall(b'GET /healthz HTTP/1.0\r\n\r\n'); print('REACHED', s.recv(100))
            attempt('api', api)
            """);
        connect.AssertEachRefused(["api"], "ECONNREFUSED");
    }

    private static async Task<(HttpStatusCode, string)> ProbeAsync(HttpClient http, string url)
    {
        using HttpResponseMessage response = await http.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
