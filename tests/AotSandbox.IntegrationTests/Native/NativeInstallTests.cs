using System.Text.RegularExpressions;

namespace AotSandbox.IntegrationTests.Native;

/// <summary>native/install.sh lays the library out as C users expect: versioned file named by its soname, the dev link, header, .pc.</summary>
public sealed partial class NativeInstallTests
{
    [Fact]
    public async Task Install_LaysOutSonameLinksHeaderAndPkgConfig()
    {
        string prefix = await NativeInstall.PrefixAsync();
        string header = await File.ReadAllTextAsync(NativeBuild.Header);
        string abi = AbiVersion().Match(header).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(abi), "AOTSB_ABI_VERSION not found in the header");
        string lib = Path.Combine(prefix, "lib");
        string real = Path.Combine(lib, "libaotsandbox.so." + abi);

        // The published library carries the soname itself (set at link time), so programs record the ABI they need.
        ProcessResult readelf = await NativeProcess.RunAsync("readelf", ["-d", real], NativeBuild.RepoRoot, TimeSpan.FromSeconds(30));
        Assert.True(readelf.ExitCode == 0, readelf.Output);
        Assert.Contains($"(SONAME)             Library soname: [libaotsandbox.so.{abi}]", readelf.Output, StringComparison.Ordinal);
        Assert.Null(new FileInfo(real).LinkTarget);
        Assert.Equal("libaotsandbox.so." + abi, new FileInfo(Path.Combine(lib, "libaotsandbox.so")).LinkTarget);
        Assert.Equal(header, await File.ReadAllTextAsync(Path.Combine(prefix, "include", "aotsandbox.h")));

        var env = new Dictionary<string, string> { ["PKG_CONFIG_PATH"] = NativeInstall.PkgConfigPath };
        ProcessResult flags = await NativeProcess.RunAsync("pkg-config", ["--cflags", "--libs", "aotsandbox"], NativeBuild.RepoRoot, TimeSpan.FromSeconds(30), env);
        Assert.True(flags.ExitCode == 0, flags.Output);
        Assert.Equal($"-I{prefix}/include -L{lib} -laotsandbox", flags.Output.Trim());
        ProcessResult version = await NativeProcess.RunAsync("pkg-config", ["--modversion", "aotsandbox"], NativeBuild.RepoRoot, TimeSpan.FromSeconds(30), env);
        Assert.Equal(typeof(Sandbox).Assembly.GetName().Version!.ToString(3), version.Output.Trim().Split('-')[0]);
    }

    [GeneratedRegex(@"#define AOTSB_ABI_VERSION (\d+)u")]
    private static partial Regex AbiVersion();
}
