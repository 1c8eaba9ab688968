namespace AotSandbox.IntegrationTests.Native;

/// <summary>
/// native/rust: `cargo test` (layout test of the hand-written -sys crate + the safe-API walkthrough), offline. The -sys
/// crate finds the library through pkg-config, in the prefix native/install.sh laid out.
/// </summary>
[Collection(NativeEmulatorCollection.Name)]
public sealed class RustBindingTests(NativeEmulatorFixture emulator)
{
    [Fact]
    public async Task CargoTest_LayoutAndWalkthroughPass()
    {
        await NativeInstall.PrefixAsync();
        Dictionary<string, string> env = emulator.Environment();
        env["PKG_CONFIG_PATH"] = NativeInstall.PkgConfigPath;
        env.Remove("AOTSANDBOX_LIB_DIR"); // it would win over pkg-config
        env["LD_LIBRARY_PATH"] = Path.Combine(NativeInstall.Prefix, "lib"); // and the programs run the installed copy
        env["CARGO_TARGET_DIR"] = Path.Combine(NativeBuild.RepoRoot, "artifacts", "native", "rust-target");
        env["CARGO_TERM_COLOR"] = "never";
        ProcessResult cargo = await NativeProcess.RunAsync(
            "cargo",
            ["test", "--offline", "--workspace", "--", "--nocapture", "--test-threads=1"],
            Path.Combine(NativeBuild.RepoRoot, "native", "rust"),
            TimeSpan.FromMinutes(5),
            env);
        Console.WriteLine(cargo.Output);
        Assert.True(cargo.ExitCode == 0, "cargo test failed:\n" + cargo.Output);
        Assert.Contains("RUST WALKTHROUGH OK", cargo.Output, StringComparison.Ordinal);
        Assert.Contains("test exit_layout ... ok", cargo.Output, StringComparison.Ordinal);
        Assert.Contains("test file_entry_layout ... ok", cargo.Output, StringComparison.Ordinal);

        ProcessResult example = await NativeProcess.RunAsync(
            "cargo",
            ["run", "--offline", "--quiet", "-p", "aotsandbox", "--example", "quickstart"],
            Path.Combine(NativeBuild.RepoRoot, "native", "rust"),
            TimeSpan.FromMinutes(3),
            env);
        Console.WriteLine(example.Output);
        Assert.True(example.ExitCode == 0, "cargo run --example quickstart failed:\n" + example.Output);
        Assert.Contains("Python 3.", example.Output, StringComparison.Ordinal);
        Assert.Contains("exit code Some(0)", example.Output, StringComparison.Ordinal);

        // build.rs took the library pkg-config named (cargo replays the build script's line on cached builds too),
        // and the example records the soname.
        Assert.Contains($"libaotsandbox from pkg-config ({NativeInstall.Prefix}/lib)", cargo.Output, StringComparison.Ordinal);
        string quickstart = Path.Combine(env["CARGO_TARGET_DIR"], "debug", "examples", "quickstart");
        ProcessResult dynamic = await NativeProcess.RunAsync("readelf", ["-d", quickstart], NativeBuild.RepoRoot, TimeSpan.FromSeconds(30));
        Assert.Contains("Shared library: [libaotsandbox.so.", dynamic.Output, StringComparison.Ordinal);
    }
}
