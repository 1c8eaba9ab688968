using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AotSandbox.IntegrationTests.Cli;

/// <summary>Every everyday subcommand of the PUBLISHED (Native AOT) binary against real sandboxes.</summary>
[Collection(CliCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CliCommandTests(CliFixture fixture)
{
    [Fact]
    public void Publish_NativeAot_HasNoTrimOrAotWarnings()
    {
        string[] warnings = fixture.PublishLog.Where(l => l.Contains("warning IL", StringComparison.Ordinal)).ToArray();
        Assert.True(warnings.Length == 0, string.Join('\n', warnings));
        Assert.DoesNotContain(fixture.PublishLog, l => l.Contains(": warning ", StringComparison.Ordinal));
        Assert.True(new FileInfo(fixture.Binary).Length > 1_000_000, "the published binary is suspiciously small");
    }

    [Fact]
    public async Task Help_ListsEveryCommand()
    {
        CliRun run = await fixture.RunAsync("--help");
        Assert.Equal(0, run.ExitCode);
        foreach (string command in new[] { "serve", "demo", "image", "create", "exec", "attach", "kill", "cp", "ls", "cat", "url", "status", "destroy" })
        {
            Assert.Contains(command, run.Stdout, StringComparison.Ordinal);
        }

        CliRun serveHelp = await fixture.RunAsync("serve", "--help");
        Assert.Contains("--image", serveHelp.Stdout, StringComparison.Ordinal);
        Assert.Contains("OCI image tarball", serveHelp.Stdout, StringComparison.Ordinal);
        CliRun imageHelp = await fixture.RunAsync("image", "build", "--help");
        Assert.Contains("mmdebstrap", imageHelp.Stdout, StringComparison.Ordinal);
        CliRun noImage = await fixture.RunAsync("image", "build", "/nonexistent-aotsb-image");
        Assert.Equal(1, noImage.ExitCode);
        AssertOneErrorLine(noImage, "expected host, default, a root filesystem directory, or an OCI image tarball");

        CliRun bare = await fixture.RunAsync();
        Assert.Equal(0, bare.ExitCode);
        Assert.Contains("destroy", bare.Stdout, StringComparison.Ordinal);

        CliRun typo = await fixture.RunAsync("exce", "sb-1");
        Assert.Equal(2, typo.ExitCode);
        AssertOneErrorLine(typo, "'exce'");
        CliRun missing = await fixture.RunAsync("exec");
        Assert.Equal(2, missing.ExitCode);
        AssertOneErrorLine(missing, "aotsandbox exec --help");

        CliRun execHelp = await fixture.RunAsync("exec", "--help");
        Assert.Equal(0, execHelp.ExitCode);
        Assert.Contains("--detach", execHelp.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_SuggestsFromTheBinaryItself()
    {
        CliRun suggest = await fixture.RunAsync("[suggest:13]", "aotsandbox ex");
        Assert.Equal("exec\n", suggest.Stdout);
        CliRun options = await fixture.RunAsync("[suggest:17]", "aotsandbox exec ");
        Assert.Contains("--detach", options.Stdout, StringComparison.Ordinal);
        CliRun script = await fixture.RunAsync("completion");
        Assert.Contains("complete -o default -F _aotsandbox_complete aotsandbox", script.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_PrintsIdAndStoresTokenPrivately()
    {
        string id = await fixture.CreateSandboxAsync("--name", "cli-plain");
        Assert.StartsWith("sb-", id, StringComparison.Ordinal);
        string stateFile = Path.Combine(fixture.StateHome, "aotsandbox", "sandboxes", id + ".json");
        Assert.True(File.Exists(stateFile), stateFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stateFile));
        using JsonDocument state = JsonDocument.Parse(File.ReadAllBytes(stateFile));
        Assert.False(string.IsNullOrEmpty(state.RootElement.GetProperty("token").GetString()));
        Assert.Equal(fixture.Server.ApiHost, state.RootElement.GetProperty("apiHost").GetString());
        await DestroyAsync(id);
    }

    [Fact]
    public async Task CreateJson_WithEveryOption_ReachesTheSandbox()
    {
        string policy = Path.Combine(fixture.WorkDirectory, "policy.json");
        await File.WriteAllTextAsync(policy, """
            {"network":{"egress":[{"host":"httpbin.org","port":443},{"host":"api.github.com","port":443,"rules":[{"methods":["GET"],"pathPattern":"/repos/**"}]}]}}
            """);
        CliRun run = await fixture.RunAsync(
            "create", "--json", "--name", "cli-full", "--type", "cpu:default", "--size", "Small", "--max-lifetime", "600", "--idle-timeout", "300",
            "--port", "3000", "--port", "8080", "--env", "A=1", "--env", "B=two words", "--policy", policy);
        Assert.True(run.ExitCode == 0, run.ToString());
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        JsonElement root = json.RootElement;
        string id = root.GetProperty("sandboxId").GetString()!;
        Assert.Equal("cli-full", root.GetProperty("name").GetString());
        Assert.Equal(600, root.GetProperty("maxLifetime").GetInt32());
        Assert.Equal(300, root.GetProperty("idleTimeout").GetInt32());
        Assert.True(root.GetProperty("previewUrls").TryGetProperty("3000", out _));
        Assert.True(root.GetProperty("previewUrls").TryGetProperty("8080", out _));

        CliRun env = await fixture.RunAsync("exec", id, "--", "echo \"$A|$B\"");
        Assert.Equal("1|two words\n", env.Stdout);
        await DestroyAsync(id);
    }

    [Fact]
    public async Task Create_InvalidPolicyFile_FailsWithOneLine()
    {
        string policy = Path.Combine(fixture.WorkDirectory, "bad-policy.json");
        await File.WriteAllTextAsync(policy, """{"network":{"egres":[]}}""");
        CliRun run = await fixture.RunAsync("create", "--policy", policy);
        Assert.Equal(1, run.ExitCode);
        AssertOneErrorLine(run, "egres");
    }

    [Fact]
    public async Task Exec_PropagatesExitCodeAndSeparatesStreams()
    {
        string id = await fixture.CreateSandboxAsync();
        CliRun run = await fixture.RunAsync("exec", id, "--", "sh", "-c", "echo out; echo err >&2; exit 7");
        Assert.Equal(7, run.ExitCode);
        Assert.Equal("out\n", run.Stdout);
        Assert.Equal("err\n", run.Stderr);

        CliRun ok = await fixture.RunAsync("exec", id, "--", "true");
        Assert.Equal(0, ok.ExitCode);
        await DestroyAsync(id);
    }

    [Fact]
    public async Task Exec_PipesStdinThrough()
    {
        string id = await fixture.CreateSandboxAsync();
        CliRun run = await fixture.RunAsync(["exec", id, "--", "cat"], "hi\n"u8.ToArray());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hi\n", run.Stdout);

        byte[] lines = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 5000).Select(i => $"line {i}\n")));
        CliRun counted = await fixture.RunAsync(["exec", id, "--", "wc -l"], lines);
        Assert.Equal("5000", counted.Stdout.Trim());

        // A stdin that never ends (a pipe from a long-running producer) must not keep the CLI alive after the command exits.
        // (The producer's own stdout goes to /dev/null, or it would hold this test's stdout pipe open for its 60 s.)
        var clock = Stopwatch.StartNew();
        CliRun endless = await CliProcess.RunAsync("/bin/bash", ["-c", $"'{fixture.Binary}' exec {id} -- 'exit 3' < <(sleep 60 > /dev/null 2>&1); echo \"rc=$?\""], fixture.OwEnvironment(), null, TimeSpan.FromSeconds(90));
        Assert.Contains("rc=3", endless.Stdout, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"exec waited for its endless stdin: {clock.Elapsed}");
        await DestroyAsync(id);
    }

    [Fact]
    public async Task Exec_Timeout_KillsAndExits124()
    {
        string id = await fixture.CreateSandboxAsync();
        var clock = Stopwatch.StartNew();
        CliRun run = await fixture.RunAsync("exec", id, "--timeout", "1", "--", "sleep 30");
        Assert.Equal(124, run.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), clock.Elapsed.ToString());
        AssertOneErrorLine(run, "timed out");
        await DestroyAsync(id);
    }

    [Fact]
    public async Task DetachAttachKill_FromSeparateProcesses()
    {
        string id = await fixture.CreateSandboxAsync();
        CliRun started = await fixture.RunAsync("exec", id, "--detach", "--json", "--", "echo first; sleep 60");
        Assert.True(started.ExitCode == 0, started.ToString());
        using JsonDocument json = JsonDocument.Parse(started.Stdout);
        string execId = json.RootElement.GetProperty("execId").GetString()!;
        Assert.True(json.RootElement.GetProperty("pid").GetInt64() > 0);

        await Task.Delay(500); // "first" is printed before anyone attaches: only replay can show it
        Task<CliRun> attach = fixture.RunAsync(["attach", id, execId], null, TimeSpan.FromSeconds(30));
        await Task.Delay(1000);
        CliRun kill = await fixture.RunAsync("kill", id, execId, "--signal", "TERM");
        Assert.True(kill.ExitCode == 0, kill.ToString());
        CliRun attached = await attach;
        Assert.Equal(143, attached.ExitCode); // 128 + SIGTERM, as a shell reports it
        Assert.Contains("first", attached.Stdout, StringComparison.Ordinal);

        CliRun unknown = await fixture.RunAsync("kill", id, "exec-doesnotexist");
        Assert.Equal(1, unknown.ExitCode);
        AssertOneErrorLine(unknown, "exec-doesnotexist");
        await DestroyAsync(id);
    }

    [Fact]
    public async Task Cp_BinaryRoundTrip_IsByteExactBothWays()
    {
        string id = await fixture.CreateSandboxAsync();
        byte[] original = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        string local = Path.Combine(fixture.WorkDirectory, "random.bin");
        await File.WriteAllBytesAsync(local, original);

        CliRun up = await fixture.RunAsync("cp", local, $"{id}:data/random.bin");
        Assert.True(up.ExitCode == 0, up.ToString());
        CliRun sum = await fixture.RunAsync("exec", id, "--", "sha256sum data/random.bin");
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(original)), sum.Stdout, StringComparison.Ordinal);

        string back = Path.Combine(fixture.WorkDirectory, "random.back");
        CliRun down = await fixture.RunAsync("cp", $"{id}:data/random.bin", back);
        Assert.True(down.ExitCode == 0, down.ToString());
        byte[] downloaded = await File.ReadAllBytesAsync(back);
        Assert.True(original.AsSpan().SequenceEqual(downloaded), "downloaded bytes differ");

        CliRun cat = await fixture.RunAsync("cat", id, "data/random.bin");
        Assert.True(original.AsSpan().SequenceEqual(cat.StdoutBytes), "cat bytes differ");

        CliRun ls = await fixture.RunAsync("ls", id, "data", "--json");
        using JsonDocument entries = JsonDocument.Parse(ls.Stdout);
        JsonElement entry = Assert.Single(entries.RootElement.EnumerateArray());
        Assert.Equal("random.bin", entry.GetProperty("name").GetString());
        Assert.Equal(original.Length, entry.GetProperty("size").GetInt64());

        CliRun human = await fixture.RunAsync("ls", id);
        Assert.Contains("data/", human.Stdout, StringComparison.Ordinal);
        await DestroyAsync(id);
    }

    [Fact]
    public async Task Cp_AgainstTheStrictProtocolEmulator_MovesFilesLargerThanAFrame()
    {
        // No file.range there (as on Adobe's service): 3 MiB cannot go in one 1 MiB frame, so cp goes by command.
        Dictionary<string, string?> strict = fixture.OwEnvironment(fixture.StrictServer);
        CliRun created = await fixture.RunAsync(["create", "--size", "Small"], null, environment: strict);
        Assert.True(created.ExitCode == 0, created.ToString());
        string id = created.Stdout.Trim();
        byte[] original = RandomNumberGenerator.GetBytes((3 * 1024 * 1024) + 5);
        string local = Path.Combine(fixture.WorkDirectory, "strict.bin");
        await File.WriteAllBytesAsync(local, original);

        CliRun up = await fixture.RunAsync(["cp", local, $"{id}:data/strict.bin"], null, environment: strict);
        Assert.True(up.ExitCode == 0, up.ToString());
        string back = Path.Combine(fixture.WorkDirectory, "strict.back");
        CliRun down = await fixture.RunAsync(["cp", $"{id}:data/strict.bin", back], null, environment: strict);
        Assert.True(down.ExitCode == 0, down.ToString());
        byte[] downloaded = await File.ReadAllBytesAsync(back);
        Assert.True(original.AsSpan().SequenceEqual(downloaded), "downloaded bytes differ");

        CliRun missing = await fixture.RunAsync(["cp", $"{id}:data/none.bin", back + ".2"], null, environment: strict);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("No such file", missing.Stderr, StringComparison.Ordinal);
        CliRun destroyed = await fixture.RunAsync(["destroy", id], null, environment: strict);
        Assert.True(destroyed.ExitCode == 0, destroyed.ToString());
    }

    [Fact]
    public async Task UrlAndStatus_DescribeTheSandbox()
    {
        string id = await fixture.CreateSandboxAsync("--port", "3000", "--name", "cli-status");
        CliRun url = await fixture.RunAsync("url", id, "3000");
        Assert.True(url.ExitCode == 0, url.ToString());
        Assert.Matches("^https?://\\S*3000\\S*\n$", url.Stdout);

        CliRun status = await fixture.RunAsync("status", id, "--json");
        using JsonDocument json = JsonDocument.Parse(status.Stdout);
        Assert.Equal(url.Stdout.Trim(), json.RootElement.GetProperty("previewUrls").GetProperty("3000").GetString());
        Assert.Contains(json.RootElement.GetProperty("status").GetString(), new[] { "ready", "running" });

        CliRun human = await fixture.RunAsync("status", id);
        Assert.Contains("cli-status", human.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", human.Stdout, StringComparison.Ordinal); // not a terminal: no colour

        CliRun undeclared = await fixture.RunAsync("url", id, "4000");
        Assert.Equal(1, undeclared.ExitCode);
        AssertOneErrorLine(undeclared, "4000");
        await DestroyAsync(id);
    }

    [Fact]
    public async Task Destroy_EndsTheSandboxAndForgetsItsToken()
    {
        string id = await fixture.CreateSandboxAsync();
        await DestroyAsync(id);
        Assert.False(File.Exists(Path.Combine(fixture.StateHome, "aotsandbox", "sandboxes", id + ".json")));
        CliRun status = await fixture.RunAsync("status", id, "--json");
        if (status.ExitCode == 0)
        {
            using JsonDocument json = JsonDocument.Parse(status.Stdout);
            Assert.Equal("destroyed", json.RootElement.GetProperty("status").GetString());
        }

        CliRun exec = await fixture.RunAsync("exec", id, "--", "true");
        Assert.Equal(1, exec.ExitCode);
        AssertOneErrorLine(exec, "no session token");
    }

    [Fact]
    public async Task UnknownSandbox_OneErrorLineAndNonZeroExit()
    {
        CliRun status = await fixture.RunAsync("status", "sb-doesnotexist");
        Assert.Equal(1, status.ExitCode);
        AssertOneErrorLine(status, "not found");
        Assert.Equal(string.Empty, status.Stdout);

        CliRun destroy = await fixture.RunAsync("destroy", "sb-doesnotexist");
        Assert.Equal(1, destroy.ExitCode);
        AssertOneErrorLine(destroy, "not found");

        CliRun noCredentials = await fixture.RunAsync(["status", "sb-x"], null, environment: new Dictionary<string, string?>
        {
            ["__OW_API_HOST"] = null,
            ["__OW_NAMESPACE"] = null,
            ["__OW_API_KEY"] = null,
            ["XDG_STATE_HOME"] = fixture.StateHome,
        });
        Assert.Equal(1, noCredentials.ExitCode);
        AssertOneErrorLine(noCredentials, "aotsandbox: ");
    }

    private async Task DestroyAsync(string id)
    {
        CliRun run = await fixture.RunAsync("destroy", id);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith(id, run.Stdout, StringComparison.Ordinal);
    }

    private static void AssertOneErrorLine(CliRun run, string expected)
    {
        string[] lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, run.ToString());
        Assert.StartsWith("aotsandbox: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.OrdinalIgnoreCase);
    }
}
