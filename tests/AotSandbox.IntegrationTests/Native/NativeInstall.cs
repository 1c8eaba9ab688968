namespace AotSandbox.IntegrationTests.Native;

/// <summary>
/// native/install.sh run once per test run into a fresh prefix (artifacts/native/prefix, emptied first so nothing
/// stale can stand in for a broken install), from the library <see cref="NativeBuild"/> published. The C walkthrough
/// builds against it through pkg-config and the Rust -sys crate finds it the same way.
/// </summary>
internal static class NativeInstall
{
    private static readonly Lazy<Task<string>> Installed = new(InstallAsync);

    public static string Prefix => Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "prefix");

    /// <summary>PKG_CONFIG_PATH that finds the installed aotsandbox.pc (and nothing else).</summary>
    public static string PkgConfigPath => Path.Combine(Prefix, "lib", "pkgconfig");

    /// <summary>The installed prefix; the first caller pays for the publish and the install.</summary>
    public static Task<string> PrefixAsync() => Installed.Value;

    private static async Task<string> InstallAsync()
    {
        await NativeBuild.LibraryAsync();
        if (Directory.Exists(Prefix))
        {
            Directory.Delete(Prefix, recursive: true);
        }

        ProcessResult install = await NativeProcess.RunAsync(
            Path.Combine(NativeBuild.RepoRoot, "native", "install.sh"),
            [Prefix, NativeBuild.LibDir],
            NativeBuild.RepoRoot,
            TimeSpan.FromMinutes(1));
        Assert.True(install.ExitCode == 0, "native/install.sh failed:\n" + install.Output);
        return Prefix;
    }
}
