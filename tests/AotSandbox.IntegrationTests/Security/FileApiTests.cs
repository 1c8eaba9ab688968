using System.Security.Cryptography;
using System.Text;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// Battery group F (docs/SECURITY-MODEL.md §5): the file API driven through the SDK, with links and special files
/// planted by code inside the sandbox. F6 (archive extraction) does not apply: the protocol offers no archive upload.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class FileApiTests(SecurityFixture fixture) : Battery(fixture)
{
    private static string Fresh(string directory) => Path.Combine(directory, "aotsb-reltest-new-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));

    /// <summary>Reads/writes/lists through the SDK; an error is an acceptable answer, host content never is.</summary>
    private async Task<string?> TryReadAsync(Sandbox sb, string path)
    {
        try
        {
            string text = Encoding.Latin1.GetString(await sb.ReadFileBytesAsync(path));
            Observe(text);
            return text;
        }
        catch (SandboxException)
        {
            return null;
        }
    }

    private static async Task<bool> TryWriteAsync(Sandbox sb, string path, string content)
    {
        try
        {
            return (await sb.WriteFileAsync(path, content)).Ok;
        }
        catch (SandboxException)
        {
            return false;
        }
    }

    private async Task<bool> TryListAsync(Sandbox sb, string path)
    {
        try
        {
            IReadOnlyList<FileEntry> entries = await sb.ListFilesAsync(path);
            Observe(string.Join(" ", entries.Select(e => e.Name)));
            return true;
        }
        catch (SandboxException)
        {
            return false;
        }
    }

    /// <summary>
    /// The errno name the agent answered for a file operation ("OK" when it succeeded), so a refusal is checked for
    /// its reason instead of accepting any exception.
    /// </summary>
    private async Task<string> OutcomeAsync(Func<Task> operation)
    {
        try
        {
            await operation();
            return "OK";
        }
        catch (SandboxException e)
        {
            Observe(e.Message);
            return e.ErrorCode ?? e.GetType().Name;
        }
    }

    private Task<string> ReadOutcomeAsync(Sandbox sb, string path) => OutcomeAsync(async () => Observe(Encoding.Latin1.GetString(await sb.ReadFileBytesAsync(path))));

    private Task<string> WriteOutcomeAsync(Sandbox sb, string path, string content) => OutcomeAsync(async () => Assert.True((await sb.WriteFileAsync(path, content)).Ok, "sandbox destroyed during the write"));

    [Fact]
    public async Task F1_TraversalSpellings_NeverReachHostFiles()
    {
        Sandbox sb = await NewSandboxAsync();
        string canary = Fixture.Canaries.TmpPath; // /tmp/aotsb-reltest-canary-…: a file the sandbox's own /tmp does not have
        string name = Path.GetFileName(canary);
        string newHostFile = Fresh("/var/tmp");
        string[] spellings =
        [
            "../../../../../.." + canary, "/../../.." + canary, canary, "..%2f..%2f..%2ftmp%2f" + name, "%2e%2e/%2e%2e/tmp/" + name,
            "..\\..\\..\\tmp\\" + name, "./../../tmp/./" + name, "/workspace/../tmp/../../tmp/" + name, "//tmp//" + name,
            "../../../proc/1/root" + canary, "/proc/self/root" + canary, "/proc/1/cwd/../../tmp/" + name,
            "tmp/" + name + "\0.txt", new string('a', 5000), "", " ", "../" + new string('x', 300) + "/" + name,
        ];
        foreach (string path in spellings)
        {
            string? text = await TryReadAsync(sb, path);
            Assert.True(text is null || !text.Contains("canary-", StringComparison.Ordinal), path);
            await TryWriteAsync(sb, path, "pwned");
            await TryListAsync(sb, path.Length > 0 ? Path.GetDirectoryName(path) ?? "/" : "");
        }

        foreach (string path in new[] { "../../.." + newHostFile, "/proc/1/root" + newHostFile, newHostFile, "/../.." + newHostFile })
        {
            await TryWriteAsync(sb, path, "pwned");
        }

        Assert.False(File.Exists(newHostFile), newHostFile);
        // Absolute paths are the sandbox's own: /etc/hostname is "sandbox", not the host's.
        Assert.Equal("sandbox", (await TryReadAsync(sb, "../../etc/hostname"))?.Trim());
    }

    [Fact]
    public async Task F2_PlantedSymlinks_ResolveInsideTheSandbox()
    {
        Sandbox sb = await NewSandboxAsync();
        string canary = Fixture.Canaries.TmpPath;
        string dangling = Fresh("/var/tmp");
        Assert.Equal(0, (await RunAsync(sb, $"ln -s / root && ln -s {canary} x && ln -s {dangling} dangling && ln -s ../../../../ up && ln -s /proc/1/root pr")).ExitCode);

        Assert.Equal("sandbox", (await TryReadAsync(sb, "root/etc/hostname"))?.Trim());
        // Each link resolves in the sandbox's own tree, where the host canary does not exist: ENOENT, not a refusal of
        // some other kind (the host file is there: the fixture planted it).
        Assert.True(File.Exists(canary), canary);
        foreach (string path in new[] { "root" + canary, "x", "up" + canary, "pr" + canary })
        {
            Assert.Equal((path, "ENOENT"), (path, await ReadOutcomeAsync(sb, path)));
        }

        // Writes through the links land inside (the sandbox's /tmp and /var/tmp... where they exist) or are refused.
        await TryWriteAsync(sb, "x", "pwned");
        await TryWriteAsync(sb, "root" + canary, "pwned");
        await TryWriteAsync(sb, "dangling", "pwned");
        await TryWriteAsync(sb, "up" + dangling, "pwned");
        Assert.False(File.Exists(dangling));
        // Whatever the write did, it did it inside: the sandbox sees its own file where the link points.
        ExecResult inside = await RunAsync(sb, $"cat {canary} {dangling} 2>/dev/null; true");
        Assert.DoesNotContain("canary-", inside.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task F3_SymlinkExchangeRace_ThroughTheSdk_NeverLandsOnTheHost()
    {
        Sandbox sb = await NewSandboxAsync();
        string marker = "aotsb-reltest-race-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        await sb.WriteFileAsync("swap.py", """
            import os, time, ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            end = time.time() + 8; swaps = 0; errors = set()
            while time.time() < end:
                if libc.renameat2(-100, b'/workspace/link', -100, b'/workspace/d', 2) == 0: swaps += 1  # RENAME_EXCHANGE
                else: errors.add(ctypes.get_errno())
            print('swaps', swaps, 'errors', sorted(errors))
            """);
        ExecResult setup = await RunAsync(sb, "mkdir -p real/tmp && ln -s / link && ln -s /workspace/real d");
        Assert.True(setup.ExitCode == 0, setup.Stderr);
        ExecTask swapper = sb.Exec("python3 swap.py", new ExecOptions { Timeout = TimeSpan.FromSeconds(20) });
        int attempts = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!swapper.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(7))
        {
            await TryWriteAsync(sb, $"d/tmp/{marker}-{attempts}", "pwned");
            string? read = await TryReadAsync(sb, "d" + Fixture.Canaries.TmpPath);
            Assert.Null(read);
            attempts++;
        }

        ExecResult swapped = await swapper;
        Observe(swapped.Stdout);
        Probe.Classify("python3 swap.py", swapped.ExitCode, swapped.Stdout, swapped.Stderr);
        Assert.True(swapped.ExitCode == 0 && watch.Elapsed > TimeSpan.FromSeconds(6), $"swapper: {swapped.ExitCode} {swapped.Stderr} after {watch.Elapsed}");
        // The exchange really happened (thousands of times), so the SDK calls raced a moving link, not a still one.
        Assert.Matches(@"^swaps \d{4,} errors \[\]\n$", swapped.Stdout);
        Assert.True(attempts > 20, $"only {attempts} attempts; swapper: {swapped.ExitCode} {swapped.Stderr}");
        Assert.Empty(Directory.GetFiles("/tmp", marker + "*"));
        Assert.Empty(Directory.GetFiles("/", marker + "*"));
    }

    [Fact]
    public async Task F4_FifosDevicesAndSockets_AreRefusedPromptly()
    {
        Sandbox sb = await NewSandboxAsync();
        Assert.Equal(0, (await RunAsync(sb, "mkfifo p && ln -s /dev/zero z && ln -s /dev/urandom u")).ExitCode);
        DetachedCommand listener = await sb.StartDetachedAsync("python3 -c \"import socket,time;s=socket.socket(socket.AF_UNIX);s.bind('/workspace/sock');s.listen();time.sleep(60)\"");
        for (int i = 0; i < 50 && (await RunAsync(sb, "test -S sock && echo yes || echo no")).Stdout != "yes\n"; i++)
        {
            await Task.Delay(100);
        }

        Assert.Equal("yes\n", (await RunAsync(sb, "test -S sock && echo yes || echo no")).Stdout); // the socket really exists
        // The agent opens O_NONBLOCK|O_NOCTTY and refuses anything but a regular file (EINVAL); its own fd 0 (the host
        // pipe) cannot be reopened through /proc because the agent is not dumpable (EACCES); a socket and /dev/tty
        // without a controlling terminal cannot be opened (ENXIO); /proc/kcore is absent (ENOENT).
        var expected = new Dictionary<string, string>
        {
            ["p"] = "EINVAL",
            ["z"] = "EINVAL",
            ["u"] = "EINVAL",
            ["/dev/zero"] = "EINVAL",
            ["/dev/urandom"] = "EINVAL",
            ["/proc/self/fd/0"] = "EACCES",
            ["sock"] = "ENXIO",
            ["/dev/tty"] = "ENXIO",
            ["/proc/kcore"] = Path.Exists("/proc/kcore") ? "EACCES" : "ENOENT", // some kernels have no kcore at all
        };
        var actual = new Dictionary<string, string>();
        foreach (string path in expected.Keys)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Task<string> read = ReadOutcomeAsync(sb, path);
            Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))) == read, "read of " + path + " hung");
            actual[path] = await read;
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), path);
        }

        Assert.Equal(string.Join(", ", expected), string.Join(", ", actual));
        // A write into a FIFO without a reader must not hang either: the non-blocking open finds no reader (ENXIO).
        Assert.Equal("ENXIO", await WriteOutcomeAsync(sb, "p", "x"));
        await listener.KillAsync("SIGKILL");
    }

    [Fact]
    public async Task F5_UploadThroughAPlantedLink_IsOwnedByTheSandboxUser_AndRetargetsNothing()
    {
        Sandbox sb = await NewSandboxAsync();
        Assert.Equal(0, (await RunAsync(sb, "echo mine > target && ln -s /etc/passwd up && ln -s target inner")).ExitCode);
        string passwdBefore = (await RunAsync(sb, "stat -c '%u %a %s' /etc/passwd; md5sum /etc/passwd")).Stdout;
        Assert.Equal("EROFS", await WriteOutcomeAsync(sb, "up", "root::0:0::/:/bin/sh\n")); // followed inside, onto the read-only /etc
        await TryWriteAsync(sb, "inner", "via-link\n");
        Assert.True((await sb.WriteFileAsync("plain.bin", new byte[] { 1, 2, 3 })).Ok);
        Assert.Equal(passwdBefore, (await RunAsync(sb, "stat -c '%u %a %s' /etc/passwd; md5sum /etc/passwd")).Stdout);
        Assert.Equal("1000\n", (await RunAsync(sb, "stat -c %u plain.bin")).Stdout);
        string owners = (await RunAsync(sb, "find /workspace -newer /workspace/target -not -type l -printf '%u %p\\n'")).Stdout;
        Assert.DoesNotContain("root ", owners, StringComparison.Ordinal);
    }

    [Fact]
    public async Task F7_ReadOnlyAreas_StayReadOnlyThroughTheApi()
    {
        Sandbox sb = await NewSandboxAsync();
        string agentHash = (await RunAsync(sb, "sha256sum /.aotsandbox/agent")).Stdout;
        // Read-only binds and the read-only root: EROFS; root-owned /proc/sys files: EACCES.
        var expected = new Dictionary<string, string>
        {
            ["/.aotsandbox/agent"] = "EROFS",
            ["/usr/bin/python3"] = "EROFS",
            ["/etc/hosts"] = "EROFS",
            ["/etc/passwd"] = "EROFS",
            ["/usr/aotsb-new"] = "EROFS",
            ["/proc/sys/kernel/hostname"] = "EACCES",
            ["/sys/kernel/x"] = "EROFS",
            ["/dev/x"] = "EROFS",
        };
        var actual = new Dictionary<string, string>();
        foreach (string path in expected.Keys)
        {
            actual[path] = await WriteOutcomeAsync(sb, path, "pwned");
        }

        Assert.Equal(string.Join(", ", expected), string.Join(", ", actual));
        Assert.Equal(agentHash, (await RunAsync(sb, "sha256sum /.aotsandbox/agent")).Stdout);
        (await AttackAsync(sb, "echo x >> /etc/hosts")).AssertRefused("EACCES");
    }

    [Fact]
    public async Task F8_UploadBeyondTheTmpQuota_FailsWithoutPartialFiles()
    {
        Sandbox sb = await NewSandboxAsync();
        Assert.Equal(0, (await RunAsync(sb, "fallocate -l 250M /tmp/fill || dd if=/dev/zero of=/tmp/fill bs=1M count=250 status=none")).ExitCode);
        byte[] payload = RandomNumberGenerator.GetBytes(12 << 20);
        Assert.Equal("ENOSPC", await WriteOutcomeAsync(sb, "/tmp/upload.bin", Convert.ToBase64String(payload)));
        string size = (await RunAsync(sb, "df -k /tmp | tail -1")).Stdout;
        Assert.Contains("/tmp", size, StringComparison.Ordinal);
        Assert.Equal("alive\n", (await RunAsync(sb, "echo alive")).Stdout);
    }
}
