using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

[Collection(RuntimeCollection.Name)]
public sealed class IsolationTests(RuntimeFixture fixture)
{
    private readonly ISandboxInstance _sandbox = fixture.Shared;

    private async Task<string> Out(string command)
    {
        var (exit, stdout, stderr) = await _sandbox.RunAsync(command);
        Assert.True(exit == 0, $"`{command}` exited {exit}: {stderr}");
        return stdout.Trim();
    }

    [Fact]
    public async Task User_IsUnprivilegedAndMappedToOnePoolUid()
    {
        Assert.Equal("1000 1000 user", await Out("echo $(id -u) $(id -g) $(id -un)"));
        // Seen from the host, every process of the sandbox (bwrap included) runs as the sandbox's own pool uid.
        var uid = ((AotSandbox.Emulator.Runtime.Bubblewrap.BubblewrapSandbox)_sandbox).Uid;
        Assert.True(fixture.Runtime.Uids.Contains(uid));
        var procs = Path.Combine(RuntimeFixture.Options.CgroupRoot, "memory", RuntimeFixture.Options.CgroupParent, _sandbox.Id, "cgroup.procs");
        var members = await File.ReadAllLinesAsync(procs);
        Assert.NotEmpty(members);
        foreach (var pid in members)
            Assert.Contains($"Uid:\t{uid}\t{uid}\t{uid}\t{uid}", await File.ReadAllTextAsync($"/proc/{pid}/status"), StringComparison.Ordinal);
        // Inside, exactly one uid is mapped (bwrap's --disable-userns nests it below an intermediate namespace).
        var map = (await Out("cat /proc/self/uid_map")).Split('\n');
        Assert.Single(map);
        var fields = map[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1000", fields[0]);
        Assert.Equal("1", fields[2]);
        var status = await Out("grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' '");
        Assert.Contains("CapEff: 0000000000000000", status, StringComparison.Ordinal);
        Assert.Contains("NoNewPrivs: 1", status, StringComparison.Ordinal);
        Assert.Equal("/home/user /workspace user C.UTF-8", await Out("echo $HOME $(pwd) $USER $LANG"));
    }

    [Fact]
    public async Task HostPaths_AreNotVisible()
    {
        Assert.Equal("ok", await Out("test ! -e /root && test ! -e /work && test ! -e /run && test ! -e /var && test ! -e /home/root && echo ok"));
        Assert.Equal("ok", await Out("test ! -e /etc/shadow && test ! -e /etc/aotsandbox && grep -q '^user:' /etc/passwd && echo ok"));
        Assert.Equal("ok", await Out("test ! -e /run/aotsandbox-tests && test ! -e /sys/fs/cgroup/memory && echo ok"));
    }

    [Fact]
    public async Task Proc_ShowsOnlySandboxProcesses()
    {
        var pids = (await Out("ls /proc | grep -E '^[0-9]+$'")).Split('\n');
        Assert.Contains("1", pids);
        Assert.True(pids.Length < 10, string.Join(',', pids));
        Assert.Equal("/.aotsandbox/agent", await Out("ps -o args= -p 1"));
    }

    [Fact]
    public async Task Escapes_Fail()
    {
        Assert.NotEqual(0, (await _sandbox.RunAsync("unshare -U true")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("unshare -Ur true")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("touch /usr/pwned")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("touch /pwned")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("touch /dev/pwned")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("echo x > /etc/passwd")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("cp /bin/true /.aotsandbox/agent")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("mount -t tmpfs none /tmp")).Exit);
        Assert.NotEqual(0, (await _sandbox.RunAsync("ip link set lo down")).Exit);
        // PID 1 ignores signals from inside its namespace; the sandbox keeps working.
        await _sandbox.RunAsync("kill -9 1; kill -TERM 1");
        Assert.Equal("alive", await Out("echo alive"));
    }

    [Fact]
    public async Task WritableAreas_AreTheCappedTmpfsMounts()
    {
        Assert.Equal("ok", await Out("touch /workspace/a /tmp/a /home/user/a /dev/shm/a && echo x > /dev/null && echo ok"));
        Assert.Equal("2", await Out("node -e 'console.log(1+1)'"));
        Assert.Equal("2", await Out("python3 -c 'print(1+1)'"));
    }

    [Fact]
    public async Task SpawnedCommand_HasOnlyStandardDescriptors()
    {
        Assert.Equal("0 1 2 3", await Out("ls /proc/self/fd | sort -n | tr '\\n' ' '")); // 3 is ls's own directory fd
        Assert.Equal("lo", await Out("ls /sys/class/net 2>/dev/null || ip -o link | cut -d: -f2 | tr -d ' '"));
    }

    [Fact]
    public async Task Network_HasOnlyLoopback()
    {
        var (exit, _, _) = await _sandbox.RunAsync("python3 -c \"import socket;s=socket.socket();s.settimeout(1);s.connect(('10.255.255.1',80))\"");
        Assert.NotEqual(0, exit);
    }
}
