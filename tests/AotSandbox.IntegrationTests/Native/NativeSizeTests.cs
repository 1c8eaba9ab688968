namespace AotSandbox.IntegrationTests.Native;

/// <summary>
/// The library is meant for constrained containers and FFI hosts: its stripped size is a budget (issue #14), and it must
/// still carry TLS (wss:// and https:// through SslStream and the runtime's OpenSSL shim).
/// </summary>
public sealed class NativeSizeTests
{
    /// <summary>The target for the stripped library with TLS included: 5 MB, decimal. Met since the certificate
    /// download path (and with it HttpClient) left the library: 4,643,520 bytes with .NET 10.0.12.</summary>
    private const long TargetBytes = 5_000_000;

    /// <summary>
    /// What the library measures now (4,643,520 bytes) plus about 1 %: a ratchet below the target, so growth shows up long
    /// before the target is at risk. If HttpClient comes back (a new reference path from the SDK, or a runtime update
    /// that reaches it another way than the substituted X509ResourceClient.DownloadAssetCore) this fails by ~1.1 MB.
    /// </summary>
    private const long BudgetBytes = 4_690_000;

    [Fact]
    public async Task StrippedLibrary_FitsTheBudget_WithTlsInside()
    {
        string so = await NativeBuild.LibraryAsync();
        long size = new FileInfo(so).Length;
        Assert.True(size <= BudgetBytes,
            $"libaotsandbox.so is {size:N0} bytes, over the {BudgetBytes:N0}-byte ceiling (target {TargetBytes:N0}). Find what grew with "
            + "`dotnet publish native/AotSandbox.Native -c Release -r linux-x64 -p:IlcGenerateMapFile=true` and the map in obj/.../native/.");

        // The OpenSSL shim is linked in (it loads libssl by name when TLS is first used): TLS was not traded for size.
        byte[] image = await File.ReadAllBytesAsync(so);
        Assert.True(image.AsSpan().IndexOf("libssl.so"u8) >= 0, "libaotsandbox.so no longer contains the OpenSSL shim: TLS support was dropped");
    }
}
