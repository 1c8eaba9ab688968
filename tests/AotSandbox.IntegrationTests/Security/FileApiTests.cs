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
        Assert.Null(await TryReadAsync(sb, "root" + canary));
        Assert.Null(await TryReadAsync(sb, "x"));
        Assert.Null(await TryReadAsync(sb, "up" + canary));
        Assert.Null(await TryReadAsync(sb, "pr" + canary));
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
            end = time.time() + 8
            while time.time() < end:
                libc.renameat2(-100, b'/workspace/link', -100, b'/workspace/d', 2)  # RENAME_EXCHANGE
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
        Assert.True(swapped.ExitCode == 0 && watch.Elapsed > TimeSpan.FromSeconds(6), $"swapper: {swapped.ExitCode} {swapped.Stderr} after {watch.Elapsed}");
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
        await Task.Delay(500);
        foreach (string path in new[] { "p", "z", "u", "/dev/zero", "/dev/urandom", "/proc/self/fd/0", "sock", "/dev/tty", "/proc/kcore" })
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Task<string?> read = TryReadAsync(sb, path);
            Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))) == read, "read of " + path + " hung");
            string? text = await read;
            Assert.True(text is null || text.Length <= 1 << 20, $"{path}: {text?.Length} bytes");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), path);
        }

        Assert.False(await TryWriteAsync(sb, "p", "x")); // a write into a FIFO without a reader must not hang either
        await listener.KillAsync("SIGKILL");
    }

    [Fact]
    public async Task F5_UploadThroughAPlantedLink_IsOwnedByTheSandboxUser_AndRetargetsNothing()
    {
        Sandbox sb = await NewSandboxAsync();
        Assert.Equal(0, (await RunAsync(sb, "echo mine > target && ln -s /etc/passwd up && ln -s target inner")).ExitCode);
        string passwdBefore = (await RunAsync(sb, "stat -c '%u %a %s' /etc/passwd; md5sum /etc/passwd")).Stdout;
        await TryWriteAsync(sb, "up", "root::0:0::/:/bin/sh\n");
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
        foreach (string path in new[] { "/.aotsandbox/agent", "/usr/bin/python3", "/etc/hosts", "/etc/passwd", "/usr/aotsb-new", "/proc/sys/kernel/hostname", "/sys/kernel/x", "/dev/x" })
        {
            Assert.False(await TryWriteAsync(sb, path, "pwned"), path);
        }

        Assert.Equal(agentHash, (await RunAsync(sb, "sha256sum /.aotsandbox/agent")).Stdout);
        Assert.NotEqual(0, (await RunAsync(sb, "echo x >> /etc/hosts")).ExitCode);
    }

    [Fact]
    public async Task F8_UploadBeyondTheTmpQuota_FailsWithoutPartialFiles()
    {
        Sandbox sb = await NewSandboxAsync();
        Assert.Equal(0, (await RunAsync(sb, "fallocate -l 250M /tmp/fill || dd if=/dev/zero of=/tmp/fill bs=1M count=250 status=none")).ExitCode);
        byte[] payload = RandomNumberGenerator.GetBytes(12 << 20);
        bool ok = await TryWriteAsync(sb, "/tmp/upload.bin", Convert.ToBase64String(payload));
        Assert.False(ok);
        string size = (await RunAsync(sb, "df -k /tmp | tail -1")).Stdout;
        Assert.Contains("/tmp", size, StringComparison.Ordinal);
        Assert.Equal("alive\n", (await RunAsync(sb, "echo alive")).Stdout);
    }
}
