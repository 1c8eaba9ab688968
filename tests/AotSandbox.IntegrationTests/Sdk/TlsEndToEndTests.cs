using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// The SDK against the emulator serving TLS: REST over https, the data plane over the answer's <c>wss://</c> endpoint,
/// the server certificate verified against a private CA given through <see cref="SandboxConnectionOptions.TrustedCertificateAuthorities"/>.
/// </summary>
[Collection(TlsEmulatorCollection.Name)]
public sealed class TlsEndToEndTests(TlsEmulatorFixture emulator)
{
    private static readonly ExecOptions Quick = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task CreateExecFilesDestroy_OverHttpsAndWss()
    {
        Assert.StartsWith("https://127.0.0.1:", emulator.Server.ApiHost, StringComparison.Ordinal);
        Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("wss-e2e"));
        try
        {
            // The data plane goes where the create answer says: wss:// on the same TLS listener.
            string origin = emulator.Server.ApiHost["https://".Length..];
            Assert.StartsWith($"wss://{origin}/api/v1/namespaces/wss-tests/sandboxes/{sandbox.Id}/exec", sandbox.WebSocketEndpoint, StringComparison.Ordinal);
            Assert.StartsWith("https://" + origin, sandbox.ManagementEndpoint, StringComparison.Ordinal);

            ExecResult echo = await sandbox.Exec("echo \"over $((6 * 7)) tls\"; echo err >&2", Quick);
            Assert.Equal(0, echo.ExitCode);
            Assert.Equal("over 42 tls\n", echo.Stdout);
            Assert.Equal("err\n", echo.Stderr);

            byte[] data = RandomNumberGenerator.GetBytes((3 * 1024 * 1024) + 5);
            await sandbox.WriteFileAsync("blob.bin", data);
            Assert.Equal(data, await sandbox.ReadFileBytesAsync("blob.bin"));
            ExecResult sum = await sandbox.Exec("sha256sum blob.bin", Quick);
            Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(data)), sum.Stdout, StringComparison.Ordinal);
            Assert.Contains(await sandbox.ListFilesAsync("."), e => e.Name == "blob.bin" && e.Size == data.Length);

            // A second client re-attaches with the session token over its own TLS connection.
            await using (Sandbox attached = await Sandbox.AttachAsync(sandbox.Id, sandbox.SessionToken!, emulator.Connection()))
            {
                ExecResult again = await attached.Exec("cat blob.bin | wc -c", Quick);
                Assert.Equal($"{data.Length}\n", again.Stdout);
            }
        }
        finally
        {
            await sandbox.DestroyAsync();
        }

        Sandbox ended = await Sandbox.GetAsync(sandbox.Id, emulator.Connection());
        Assert.Equal("destroyed", ended.Status);
    }

    [Fact]
    public async Task AnotherCa_IsRefused_WithTheHintToTrustTheRightOne()
    {
        using var other = new LoopbackTlsCertificates("Some other CA");
        var error = await Assert.ThrowsAsync<SandboxClientException>(
            () => Sandbox.CreateAsync(emulator.Create("wss-wrong-ca", [other.Authority])));

        Assert.Contains("TrustedCertificateAuthorities", error.Message, StringComparison.Ordinal);
        AssertCertificateRejected(error);
    }

    [Fact]
    public async Task NoCaGiven_TheSystemStoreDoesNotKnowThePrivateCa_IsRefused()
    {
        var error = await Assert.ThrowsAsync<SandboxClientException>(
            () => Sandbox.CreateAsync(emulator.Create("wss-no-ca", [])));

        Assert.Contains("TrustedCertificateAuthorities", error.Message, StringComparison.Ordinal);
        var tls = Innermost<System.Security.Authentication.AuthenticationException>(error);
        Assert.True(tls is not null, "no TLS error in: " + error);
        Assert.Contains("certificate", tls!.Message, StringComparison.OrdinalIgnoreCase); // judged, not a broken handshake
    }

    [Fact]
    public async Task RightCa_WrongName_IsRefused()
    {
        // The certificate names 127.0.0.1 only: a trusted CA does not excuse a name mismatch.
        SandboxCreateOptions options = emulator.Create("wss-wrong-name");
        options.ApiHost = "https://localhost:" + emulator.Server.BaseAddress.Port;

        var error = await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.CreateAsync(options));

        AssertCertificateRejected(error);
    }

    [Fact]
    public async Task PlainHttp_ToTheTlsListener_GetsNoAnswer()
    {
        SandboxCreateOptions options = emulator.Create("wss-plain");
        options.ApiHost = "http://127.0.0.1:" + emulator.Server.BaseAddress.Port;

        await Assert.ThrowsAsync<SandboxClientException>(() => Sandbox.CreateAsync(options));
    }

    /// <summary>
    /// The handshake got as far as the server's certificate and the SDK's check refused it: not a TLS failure of any
    /// other kind (e.g. a plain-http server, which would fail the handshake without a certificate to judge).
    /// </summary>
    private static void AssertCertificateRejected(Exception error)
    {
        var tls = Innermost<System.Security.Authentication.AuthenticationException>(error);
        Assert.True(tls is not null, "no TLS error in: " + error);
        Assert.Contains("RemoteCertificateValidationCallback", tls!.Message, StringComparison.Ordinal);
    }

    private static T? Innermost<T>(Exception error)
        where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
