namespace AotSandbox.IntegrationTests.Native;

/// <summary>
/// The library is meant for constrained containers and FFI hosts: its stripped size is a budget (issue #14), and it must
/// still carry TLS (wss:// and https:// through SslStream and the runtime's OpenSSL shim).
/// </summary>
public sealed class NativeSizeTests
{
    /// <summary>The target for the stripped library with TLS included: 5 MB, decimal. Not reached yet.</summary>
    private const long TargetBytes = 5_000_000;

    /// <summary>
    /// What the library measures now (5,770,624 bytes) plus 1 %: a ratchet, so nothing grows back while the last
    /// 0.77 MB (System.Net.Http, kept alive by the X509 chain's certificate download path; see bench/PROFILE-NOTES.md)
    /// is still in. Lower it, down to <see cref="TargetBytes"/>, as the library shrinks.
    /// </summary>
    private const long BudgetBytes = 5_830_000;

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
