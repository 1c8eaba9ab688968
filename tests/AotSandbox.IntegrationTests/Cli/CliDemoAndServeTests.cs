using System.Diagnostics;
using System.Net;

namespace AotSandbox.IntegrationTests.Cli;

/// <summary>`aotsandbox demo` (against a given service and with its own embedded emulator) and `aotsandbox serve`.</summary>
[Collection(CliCollection.Name)]
public sealed class CliDemoAndServeTests(CliFixture fixture)
{
    [Fact]
    public async Task Demo_AgainstTheServiceInOwVariables_EveryStepWorks()
    {
        CliRun run = await fixture.RunAsync(["demo"], null, TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Using the sandbox service at {fixture.Server.ApiHost}", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Demo complete: all 11 steps worked.", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("✘", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stderr);
    }

    [Fact]
    public async Task Demo_WithoutOwVariables_StartsItsOwnEmulatorInstance()
    {
        var environment = fixture.OwEnvironment();
        environment["__OW_API_HOST"] = null;
        environment["__OW_NAMESPACE"] = null;
        environment["__OW_API_KEY"] = null;
        CliRun run = await fixture.RunAsync(["demo"], null, TimeSpan.FromMinutes(2), environment);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("embedded emulator (instance 'demo')", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Demo complete: all 11 steps worked.", run.Stdout, StringComparison.Ordinal);
        // The embedded emulator released its instance lock on exit: taking it now must succeed.
        using var lockFile = new FileStream("/run/aotsandbox-demo/instance.lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None);
    }

    [Fact]
    public async Task Serve_WithInstance_AnswersHealthzRefusesATwinAndStopsOnSigterm()
    {
        var info = new ProcessStartInfo(fixture.Binary)
        {
            ArgumentList = { "serve", "--instance", "clitest-serve", "--listen", "127.0.0.1:0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var serve = Process.Start(info)!;
        try
        {
            using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            string? first = await serve.StandardOutput.ReadLineAsync(startup.Token);
            Assert.True(first is not null, "serve printed nothing before closing its stdout");
            string apiHost = first!.Split(' ').Single(word => word.StartsWith("http://", StringComparison.Ordinal));

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            HttpResponseMessage health = await http.GetAsync(new Uri(apiHost + "/healthz"));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

            CliRun twin = await fixture.RunAsync(["serve", "--instance", "clitest-serve", "--listen", "127.0.0.1:0"], null, TimeSpan.FromSeconds(30));
            Assert.Equal(1, twin.ExitCode);
            Assert.Contains("--instance", twin.Stderr, StringComparison.Ordinal);
            Assert.Single(twin.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

            CliProcess.Terminate(serve);
            using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await serve.WaitForExitAsync(shutdown.Token);
            Assert.Equal(0, serve.ExitCode);
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Demo_NotRoot_OneLineSayingSoAndNonZeroExit()
    {
        // setpriv drops to nobody; the binary must then refuse to start an emulator, with one line and no stack trace.
        string[] args = ["--reuid", "65534", "--regid", "65534", "--clear-groups", fixture.Binary, "demo"];
        var environment = fixture.OwEnvironment();
        environment["__OW_API_HOST"] = null;
        environment["HOME"] = Path.GetTempPath();
        CliRun run = await CliProcess.RunAsync("/usr/bin/setpriv", args, environment, null, TimeSpan.FromSeconds(30));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            "aotsandbox: cannot start the demo's emulator: the sandbox runtime needs root (cgroups, network namespaces, per-sandbox uids): run it as root, e.g. with sudo\n",
            run.Stderr);
    }

    [Fact]
    public async Task Serve_InvalidInstanceName_OneLine()
    {
        CliRun run = await fixture.RunAsync(["serve", "--instance", "Not_Valid"], null, TimeSpan.FromSeconds(30));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("aotsandbox: InstanceName 'Not_Valid' is invalid: use 1-16 characters of a-z, 0-9 and '-'.\n", run.Stderr);
    }

    [Fact]
    public async Task Serve_TlsCertWithoutKey_OneLineBeforeStartingAnything()
    {
        CliRun run = await fixture.RunAsync(["serve", "--instance", "clitest-tls", "--tls-cert", "/nonexistent/cert.pem"], null, TimeSpan.FromSeconds(30));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("aotsandbox: --tls-cert and --tls-key go together: give the PEM certificate and its PEM private key.\n", run.Stderr);
    }

    [Fact]
    public async Task Serve_TlsFilesThatAreNotPem_OneLineNamingThem()
    {
        string directory = Directory.CreateTempSubdirectory("aotsb-clitls-").FullName;
        try
        {
            string cert = Path.Combine(directory, "cert.pem");
            string key = Path.Combine(directory, "key.pem");
            await File.WriteAllTextAsync(cert, "not a certificate\n");
            await File.WriteAllTextAsync(key, "not a key\n");
            CliRun run = await fixture.RunAsync(["serve", "--instance", "clitest-tls", "--tls-cert", cert, "--tls-key", key], null, TimeSpan.FromSeconds(30));
            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith($"aotsandbox: --tls-cert '{cert}' / --tls-key '{key}': ", run.Stderr, StringComparison.Ordinal);
            Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
