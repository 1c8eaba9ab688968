using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// Battery group K (docs/SECURITY-MODEL.md §5): kernel and process escapes attempted by code running inside a real
/// sandbox through the SDK and the emulator. Runtime-level K1/K3/K8/K12 probes live in Runtime/SecurityTests.cs;
/// these cover the rest at the level where the attacker really is.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class KernelEscapeTests(SecurityFixture fixture) : Battery(fixture)
{
    [Fact]
    public async Task K1_NoProcessExeIsWritable_WhileTheApiSpawnsCommands()
    {
        Sandbox sb = await NewSandboxAsync();
        const string Scan = """
            import os, time, errno
            end = time.time() + 6; tries = 0; opened = []
            while time.time() < end:
                for pid in os.listdir('/proc'):
                    if not pid.isdigit(): continue
                    for how in ('direct', 'opath'):
                        try:
                            if how == 'direct':
                                fd = os.open('/proc/%s/exe' % pid, os.O_WRONLY)
                            else:
                                p = os.open('/proc/%s/exe' % pid, os.O_PATH)
                                try: fd = os.open('/proc/self/fd/%d' % p, os.O_WRONLY)
                                finally: os.close(p)
                            opened.append(pid); os.close(fd)
                        except OSError: tries += 1
            print('tries', tries > 0, 'opened', opened)
            """;
        await sb.WriteFileAsync("scan.py", Scan);
        ExecTask scanner = sb.Exec("python3 scan.py", new ExecOptions { Timeout = TimeSpan.FromSeconds(20) });
        for (int i = 0; i < 60 && !scanner.IsCompleted; i++)
        {
            await RunAsync(sb, "true");
        }

        ExecResult result = await scanner;
        Observe(result.Stdout);
        Assert.Equal("tries True opened []\n", result.Stdout);
        Assert.Equal(0, (await RunAsync(sb, "sha256sum /.aotsandbox/agent /usr/bin/python3 > /dev/null")).ExitCode);
    }

    [Fact]
    public async Task K2_CommandsGetOnlyStandardDescriptors_NoHostPaths()
    {
        Sandbox sb = await NewSandboxAsync();
        ExecResult fds = await RunAsync(sb, "for f in /proc/self/fd/*; do echo \"$f $(readlink $f)\"; done");
        string[] lines = fds.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (string line in lines)
        {
            string[] parts = line.Split(' ', 2);
            int fd = int.Parse(Path.GetFileName(parts[0]), CultureInfo.InvariantCulture);
            string target = parts.Length > 1 ? parts[1] : "";
            // 0-2 are the agent's pipes; 255 is bash's script fd; 3 the glob's directory (gone by readlink time).
            Assert.True(fd is 0 or 1 or 2 or 3 or 255, line);
            Assert.True(target.StartsWith("pipe:", StringComparison.Ordinal) || target == "/dev/null" || target.StartsWith("/proc/", StringComparison.Ordinal) || target.Length == 0, line);
        }

        // The agent's own fds (the host channel) are not reachable: /proc/1 is not readable by the sandbox user.
        Assert.NotEqual(0, (await RunAsync(sb, "ls -l /proc/1/fd")).ExitCode);
        Assert.NotEqual(0, (await RunAsync(sb, "cd /proc/1/cwd")).ExitCode);
    }

    [Fact]
    public async Task K4_MountUmountAndMovingMountsFail_MountTableUnchanged()
    {
        Sandbox sb = await NewSandboxAsync();
        string before = (await RunAsync(sb, "cat /proc/self/mountinfo")).Stdout;
        foreach (string attack in new[]
        {
            "mount -t tmpfs none /workspace", "mount --bind /workspace /usr", "umount /usr", "umount -l /.aotsandbox/agent",
            "umount /tmp", "mount -o remount,rw /", "mount -o remount,rw /usr", "mv /usr /workspace/usr", "mv /.aotsandbox /workspace/a",
            "python3 -c \"import ctypes;l=ctypes.CDLL(None,use_errno=True);r=l.mount(b'none',b'/workspace',b'tmpfs',0,None);exit(0 if r==0 else 1)\"",
        })
        {
            Assert.True((await RunAsync(sb, attack)).ExitCode != 0, attack);
        }

        string after = (await RunAsync(sb, "cat /proc/self/mountinfo")).Stdout;
        Assert.True(before == after, "before:\n" + before + "\nafter:\n" + after);
    }

    [Fact]
    public async Task K5_NestedUserNamespacesAreRefused()
    {
        Sandbox sb = await NewSandboxAsync();
        Assert.NotEqual(0, (await RunAsync(sb, "unshare -Ur true")).ExitCode);
        Assert.NotEqual(0, (await RunAsync(sb, "unshare -U true")).ExitCode);
        Assert.NotEqual(0, (await RunAsync(sb, "unshare -m true")).ExitCode);
        ExecResult python = await PythonAsync(sb, """
            import os
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            for flag in (0x10000000, 0x00020000, 0x40000000, 0x20000000):  # CLONE_NEWUSER, NEWNS, NEWNET, NEWPID
                if libc.unshare(flag) == 0: print('unshared', flag)
                else: print('refused', ctypes.get_errno())
            """);
        Assert.DoesNotContain("unshared", python.Stdout, StringComparison.Ordinal);
        Assert.True(python.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 4, python.Stdout + python.Stderr);
    }

    [Fact]
    public async Task K6_RawAndPacketSocketsAndPingFail()
    {
        Sandbox sb = await NewSandboxAsync();
        ExecResult result = await PythonAsync(sb, """
            import socket
            for name, args in (('raw', (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)),
                               ('raw6', (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)),
                               ('packet', (socket.AF_PACKET, socket.SOCK_RAW, 0)),
                               ('icmp-dgram', (socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP))):
                try: socket.socket(*args).close(); print(name, 'OPEN')
                except OSError as e: print(name, 'refused', e.errno)
            """);
        Assert.DoesNotContain("OPEN", result.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, (await RunAsync(sb, "ping -c1 -W1 192.0.2.1", 10)).ExitCode);
    }

    [Fact]
    public async Task K7_NetworkNamespaceTamperingFails()
    {
        Sandbox sb = await NewSandboxAsync();
        string before = (await RunAsync(sb, "ip -o addr; ip route; ip -6 route")).Stdout;
        foreach (string attack in new[]
        {
            "ip route del default", "ip link set lo down", "ip addr add 192.0.2.9/24 dev lo", "ip link add x type dummy",
            "nft flush ruleset", "iptables -F", "sysctl -w net.ipv4.ip_forward=1", "echo 1 > /proc/sys/net/ipv4/ip_forward",
        })
        {
            Assert.True((await RunAsync(sb, attack)).ExitCode != 0, attack);
        }

        Assert.Equal(before, (await RunAsync(sb, "ip -o addr; ip route; ip -6 route")).Stdout);
    }

    [Fact]
    public async Task K9_CgroupFilesystemIsAbsentAndUnmountable()
    {
        Sandbox sb = await NewSandboxAsync();
        string limit = $"/sys/fs/cgroup/memory/{SecurityFixture.Tag}/{sb.Id}/memory.limit_in_bytes";
        string before = await File.ReadAllTextAsync(limit);
        Assert.NotEqual(0, (await RunAsync(sb, "ls /sys/fs/cgroup")).ExitCode);
        Assert.NotEqual(0, (await RunAsync(sb, "mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg")).ExitCode);
        Assert.NotEqual(0, (await RunAsync(sb, "mkdir -p /tmp/cg2 && mount -t cgroup2 none /tmp/cg2")).ExitCode);
        Assert.NotEqual(0, (await RunAsync(sb, "echo /tmp/x > /sys/fs/cgroup/pids/release_agent")).ExitCode);
        Assert.Equal(before, await File.ReadAllTextAsync(limit));
        Assert.Equal("0", (await File.ReadAllTextAsync($"/sys/fs/cgroup/pids/{SecurityFixture.Tag}/{sb.Id}/notify_on_release")).Trim());
    }

    [Fact]
    public async Task K10_PrivilegedSyscallsFailWithEperm()
    {
        Sandbox sb = await NewSandboxAsync();
        // x86_64 numbers; the sandbox user has no capability in any user namespace that owns these resources.
        ExecResult result = await PythonAsync(sb, """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            calls = {'init_module':(175,0,0,0), 'finit_module':(313,-1,0,0), 'delete_module':(176,b'x',0), 'kexec_load':(246,0,0,0,0),
                     'kexec_file_load':(320,-1,-1,0,0,0), 'bpf':(321,0,0,0), 'settimeofday':(164,0,0), 'clock_settime':(227,0,0),
                     'reboot':(169,0xfee1dead,672274793,0x4321fedc,0), 'swapon':(167,b'/workspace/x',0), 'acct':(163,b'/workspace/x'),
                     'iopl':(172,3), 'ioperm':(173,0,1,1), 'open_by_handle_at':(304,-1,0,0), 'pivot_root':(155,b'/tmp',b'/tmp'),
                     'chroot':(161,b'/tmp'), 'setns':(308,0,0), 'quotactl':(179,0,0,0,0), 'syslog':(103,3,0,0),
                     'mknod':(133,b'/workspace/sda',0o60660,0x800)}
            for name, args in calls.items():
                ctypes.set_errno(0)
                r = libc.syscall(*args)
                print(name, r, ctypes.get_errno())
            """);
        var outcome = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(f => f[0], f => (Ret: f[1], Errno: f[2]));
        Assert.True(outcome.Count == 20, result.Stdout + result.Stderr);
        foreach ((string name, (string ret, string errno)) in outcome)
        {
            Assert.True(ret == "-1", $"{name} succeeded: {result.Stdout}");
        }

        // Those whose arguments are valid enough to reach the permission check must fail with EPERM (or ENOSYS where
        // this kernel lacks them); the others fail on their (deliberately null) arguments.
        foreach (string name in new[] { "settimeofday", "reboot", "swapon", "acct", "pivot_root", "chroot", "syslog", "mknod" })
        {
            Assert.True(outcome[name].Errno == "1", $"{name}: errno {outcome[name].Errno}");
        }

        foreach (string name in new[] { "init_module", "finit_module", "kexec_load", "iopl" })
        {
            Assert.True(outcome[name].Errno is "1" or "38", $"{name}: errno {outcome[name].Errno}");
        }
    }

    /// <summary>
    /// Kernel surface that needs no capability at all (io_uring, keyrings, userfaultfd, perf events, eBPF, the new mount
    /// API, the x32 ABI) is cut off by the agent launcher's seccomp filter: each answers ENOSYS inside the sandbox.
    /// </summary>
    [Fact]
    public async Task K10_SeccompFilter_RefusesUnprivilegedKernelSurface()
    {
        Sandbox sb = await NewSandboxAsync();
        ExecResult result = await PythonAsync(sb, """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            params = ctypes.create_string_buffer(120)
            attr = ctypes.create_string_buffer(128); attr[4] = 128  # perf_event_attr: type 0 (hardware), size 128
            calls = {'io_uring_setup': (425, 4, params), 'keyctl': (250, 0, -3, 0), 'add_key': (248, b'user', b'k', b'v', 1, -2),
                     'userfaultfd': (323, 1), 'perf_event_open': (298, attr, 0, -1, -1, 0), 'bpf': (321, 0, 0, 0),
                     'fsopen': (430, b'tmpfs', 0), 'x32_getpid': (0x40000000 + 39,)}
            for name, args in calls.items():
                ctypes.set_errno(0); r = libc.syscall(*args); print(name, r, ctypes.get_errno())
            print('getpid', libc.syscall(39) > 0)
            """);
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 9, result.Stdout + result.Stderr);
        foreach (string line in lines[..^1])
        {
            Assert.True(line.EndsWith(" -1 38", StringComparison.Ordinal), "not refused with ENOSYS: " + line);
        }

        Assert.Equal("getpid True", lines[^1]); // ordinary calls still work
        Assert.Contains("Seccomp:\t2", (await RunAsync(sb, "cat /proc/self/status")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task K11_HostInfoIsHidden_ProcSysIsReadOnly_DevIsMinimal()
    {
        Sandbox sb = await NewSandboxAsync();
        ExecResult environ = await RunAsync(sb, "cat /proc/*/environ /proc/*/cmdline 2>/dev/null | tr '\\0' '\\n'; env");
        Assert.DoesNotContain("AOTSB_RELTEST_CANARY", environ.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, (await RunAsync(sb, "echo 1 > /proc/sys/kernel/sysrq")).ExitCode);
        Assert.NotEqual(0, (await RunAsync(sb, "echo b > /proc/sysrq-trigger")).ExitCode);
        Assert.NotEqual(0, (await RunAsync(sb, "head -c1 /proc/kcore")).ExitCode);
        Assert.Equal("", (await RunAsync(sb, "grep -v '^0000000000000000 ' /proc/kallsyms | head -1")).Stdout); // addresses hidden
        Assert.NotEqual(0, (await RunAsync(sb, "touch /sys/x")).ExitCode);
        string dev = (await RunAsync(sb, "ls /dev | sort | tr '\\n' ' '")).Stdout;
        foreach (string name in dev.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Contains(name, new[] { "console", "core", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero" });
        }

        string pids = (await RunAsync(sb, "ls /proc | grep -cE '^[0-9]+$'")).Stdout.Trim();
        Assert.True(int.Parse(pids, CultureInfo.InvariantCulture) < 10, pids);
    }

    [Fact]
    public async Task K12_SignallingEveryPidStaysInside_OtherSandboxAndHostSurvive()
    {
        Sandbox attacker = await NewSandboxAsync();
        Sandbox victim = await NewSandboxAsync();
        DetachedCommand victimSleep = await victim.StartDetachedAsync("sleep 300");
        ExecResult sweep = await PythonAsync(attacker, """
            import os, signal, sys
            hit = 0
            me = (os.getpid(), os.getppid())
            for pid in range(2, 65536):
                if pid in me: continue
                try:
                    # Our own exec's shepherd (an agent child, same uid) is killable and would end this command;
                    # killing it is legal but only hurts ourselves, so the sweep spares it to run to the end.
                    if open('/proc/%d/cmdline' % pid).read().startswith('/.aotsandbox/agent'): continue
                except OSError: pass
                try: os.kill(pid, signal.SIGKILL); hit += 1
                except OSError: pass
            print('done')
            """, 60);
        Assert.True(sweep.Stdout.Contains("done", StringComparison.Ordinal), $"exit {sweep.ExitCode}: {sweep.Stdout} {sweep.Stderr}");
        await RunAsync(attacker, "kill -9 -1; true");
        Assert.Equal("alive\n", (await RunAsync(attacker, "echo alive")).Stdout);
        Assert.Equal("alive\n", (await RunAsync(victim, "echo alive")).Stdout);
        Assert.Equal(0, (await RunAsync(victim, $"kill -0 {victimSleep.Pid}")).ExitCode);
        await victimSleep.KillAsync("SIGKILL");
    }

    [Fact]
    public async Task K13_KillingInitFromInsideIsIgnored_FromTheHostFailsAndCleansTheSandbox()
    {
        Sandbox sb = await NewSandboxAsync();
        await RunAsync(sb, "kill -9 1; kill -TERM 1; kill -STOP 1; true");
        Assert.Equal("alive\n", (await RunAsync(sb, "echo alive")).Stdout);
        await sb.StartDetachedAsync("sleep 300");

        int init = FindInit(sb.Id);
        Assert.Equal(0, Kill(init, 9));
        JsonObject? view = null;
        for (int i = 0; i < 100; i++)
        {
            view = await Fixture.HttpA.GetFromJsonAsync<JsonObject>($"{Fixture.Server.ApiHost}/api/v1/namespaces/{Fixture.Server.Namespace}/sandboxes/{sb.Id}");
            if ((string?)view!["status"] != "running")
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal("failed", (string?)view!["status"]);
        await Assert.ThrowsAnyAsync<SandboxException>(() => sb.Exec("echo nope", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) }).AsTask());
        // Full cleanup (processes, cgroups, netns, state) is asserted by the host checks after the test.
    }

    [Fact]
    public async Task K14_NoNewPrivsNoCapabilities_SetuidDoesNotElevate()
    {
        Sandbox sb = await NewSandboxAsync();
        string status = (await RunAsync(sb, "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp)' /proc/self/status | tr -s '\\t' ' '")).Stdout;
        Assert.Contains("CapEff: 0000000000000000", status, StringComparison.Ordinal);
        Assert.Contains("CapPrm: 0000000000000000", status, StringComparison.Ordinal);
        Assert.Contains("NoNewPrivs: 1", status, StringComparison.Ordinal);
        string setuid = (await RunAsync(sb, "for f in $(find /usr -perm -4000 -type f 2>/dev/null | head -5); do $f --help >/dev/null 2>&1; done; id -u; su -c id root </dev/null; sudo -n id; true")).Stdout;
        Assert.StartsWith("1000\n", setuid, StringComparison.Ordinal);
        Assert.DoesNotContain("uid=0", setuid, StringComparison.Ordinal);
    }

    private static int FindInit(string sandboxId)
    {
        string procs = $"/sys/fs/cgroup/pids/{SecurityFixture.Tag}/{sandboxId}/cgroup.procs";
        foreach (string line in File.ReadAllLines(procs))
        {
            string cmdline = File.ReadAllText($"/proc/{line}/cmdline").Replace('\0', ' ').Trim();
            if (cmdline == "/.aotsandbox/agent")
            {
                return int.Parse(line, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no init found in " + procs);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
