using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using AotSandbox.Emulator.Network;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Bubblewrap;
using Microsoft.Win32.SafeHandles;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// The in-process network namespace set-up (no ip/nft/nsenter): what it leaves in the kernel, checked from outside
/// with iproute2 and nft themselves, and that nothing of it lands in the emulator's own (host) namespace.
/// </summary>
[Collection(NetnsSetupCollection.Name)]
public sealed class NetnsSetupTests(ITestOutputHelper output)
{
    private const string IpPathUnused = "/nonexistent/ip"; // the in-process code must not need it

    [Fact]
    public async Task CreateAndApply_ConfigureTheSandboxNamespace_AndLeaveTheHostUntouched()
    {
        string name = NewName();
        string hostNetns = NamespaceOf("/proc/thread-self/ns/net");
        string hostLo = await File.ReadAllTextAsync("/proc/sys/net/ipv4/conf/lo/route_localnet");
        string hostAll = await File.ReadAllTextAsync("/proc/sys/net/ipv4/conf/all/route_localnet");
        string hostTables = (await Sh("nft list tables")).Output;
        string hostRoutes = (await Sh("ip -4 route show")).Output;
        try
        {
            var clock = Stopwatch.StartNew();
            await NetworkNamespace.CreateAsync(IpPathUnused, name, CancellationToken.None);
            TimeSpan created = clock.Elapsed;
            Assert.Contains(name, (await Sh("ip netns list")).Output, StringComparison.Ordinal); // iproute2 sees it where it looks
            string pinned = await PinnedNamespaceOf(NetworkNamespace.PathOf(name));
            Assert.Matches("^[0-9]+$", pinned);
            Assert.NotEqual(hostNetns, pinned);
            Assert.Contains("state DOWN", (await Sh($"ip -n {name} link show lo")).Output, StringComparison.Ordinal);

            clock.Restart();
            await NetnsFirewall.ApplyAsync(NetworkNamespace.PathOf(name), CancellationToken.None);
            TimeSpan applied = clock.Elapsed;
            clock.Restart();
            await NetnsFirewall.ApplyAsync(NetworkNamespace.PathOf(name), CancellationToken.None); // idempotent
            output.WriteLine($"create {created.TotalMilliseconds:0.00} ms, first apply {applied.TotalMilliseconds:0.00} ms, second apply {clock.Elapsed.TotalMilliseconds:0.00} ms");

            Assert.Matches(@"<LOOPBACK,UP,LOWER_UP>", (await Sh($"ip -n {name} link show lo")).Output);
            Assert.Equal("default dev lo scope link src 127.0.0.1", (await Sh($"ip -n {name} -4 route show table main")).Output.Trim());
            Assert.Equal("1\n1", (await Sh($"ip netns exec {name} cat /proc/sys/net/ipv4/conf/lo/route_localnet /proc/sys/net/ipv4/conf/all/route_localnet")).Output.Trim());
            string rules = (await Sh($"ip netns exec {name} nft list ruleset")).Output;
            Assert.Equal(1, rules.Split("table inet aotsandbox").Length - 1); // replaced, not duplicated
            Assert.Contains("redirect to :15001", rules, StringComparison.Ordinal);
            Assert.Contains("policy drop", rules, StringComparison.Ordinal);

            // The dedicated thread switched back: this process, its sysctls, rules and routes are as before.
            Assert.Equal(hostNetns, NamespaceOf("/proc/thread-self/ns/net"));
            Assert.Equal(hostLo, await File.ReadAllTextAsync("/proc/sys/net/ipv4/conf/lo/route_localnet"));
            Assert.Equal(hostAll, await File.ReadAllTextAsync("/proc/sys/net/ipv4/conf/all/route_localnet"));
            Assert.Equal(hostTables, (await Sh("nft list tables")).Output);
            Assert.Equal(hostRoutes, (await Sh("ip -4 route show")).Output);
            foreach (string task in Directory.GetDirectories("/proc/self/task"))
            {
                // Every thread of the emulator (thread pool, workers) is still in the host namespace.
                try
                {
                    Assert.Equal(hostNetns, NamespaceOf(Path.Combine(task, "ns", "net")));
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        finally
        {
            await NetworkNamespace.DeleteAsync(IpPathUnused, name);
        }

        Assert.False(File.Exists(NetworkNamespace.PathOf(name)));
        Assert.DoesNotContain(NetworkNamespace.PathOf(name), await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
        Assert.DoesNotContain(name, (await Sh("ip netns list")).Output, StringComparison.Ordinal);
        await NetworkNamespace.DeleteAsync(IpPathUnused, name); // idempotent
    }

    [Fact]
    public async Task Create_RefusesATakenOrPlantedName_WithoutTouchingIt()
    {
        string name = NewName();
        string path = NetworkNamespace.PathOf(name);
        string target = Path.Combine(Path.GetTempPath(), "aotsb-netnstest-planted-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(target, "victim");
        File.CreateSymbolicLink(path, target);
        try
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => NetworkNamespace.CreateAsync(IpPathUnused, name, CancellationToken.None));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Equal("victim", await File.ReadAllTextAsync(target));
            Assert.True(new FileInfo(path).LinkTarget == target, "the planted link was replaced or removed");
            Assert.DoesNotContain(target, await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
            File.Delete(target);
        }

        await Assert.ThrowsAsync<ArgumentException>(() => NetworkNamespace.CreateAsync(IpPathUnused, "../etc", CancellationToken.None));
    }

    [Fact]
    public async Task Delete_RemovesANamespaceIproute2Made()
    {
        string name = NewName();
        await Sh($"ip netns add {name}");
        await NetworkNamespace.DeleteAsync(IpPathUnused, name);
        Assert.False(File.Exists(NetworkNamespace.PathOf(name)));
        Assert.DoesNotContain(name, (await Sh("ip netns list")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_Works_WhenTheEmulatorHoldsMoreThan1024Descriptors()
    {
        // An emulator with many connections holds over 1024 descriptors; libnftables waits for the kernel with select(2),
        // whose fd_set cannot hold such a number: glibc aborted this whole test process ("bit out of range 0 - FD_SETSIZE
        // on fd_set", seen in CI) before the firewall worker got a descriptor table of its own.
        string name = NewName();
        var held = new List<SafeHandle>();
        try
        {
            while (held.Count < 1100)
            {
                held.Add(File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read));
            }

            Assert.True(held[^1].DangerousGetHandle() >= 1024, "the test must hold a descriptor above FD_SETSIZE");
            await NetworkNamespace.CreateAsync(IpPathUnused, name, CancellationToken.None);
            await NetnsFirewall.ApplyAsync(NetworkNamespace.PathOf(name), CancellationToken.None);
            Assert.Contains("redirect to :15001", (await Sh($"ip netns exec {name} nft list ruleset")).Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (SafeHandle handle in held)
            {
                handle.Dispose();
            }

            await NetworkNamespace.DeleteAsync(IpPathUnused, name);
        }
    }

    [Fact]
    public async Task FirewallWorker_BlocksProcessSignals_WhichItsDescriptorTableCouldNotForward()
    {
        // The runtime's signal handler forwards a signal by writing to a pipe of its own, which the firewall worker's
        // private descriptor table no longer holds: a SIGCHLD taken on that thread made the handler abort this whole
        // process (SIGABRT in the bench while 50 sandboxes came and went). Sent to that very thread, it must stay
        // pending, blocked, and the worker must go on working.
        string name = NewName();
        try
        {
            await NetworkNamespace.CreateAsync(IpPathUnused, name, CancellationToken.None);
            await NetnsFirewall.ApplyAsync(NetworkNamespace.PathOf(name), CancellationToken.None);
            int tid = NetnsWorker.SharedWithPrivateFiles.OsThreadId;
            Assert.NotEqual(0, tid);
            string status = await File.ReadAllTextAsync($"/proc/self/task/{tid}/status");
            string sigBlk = status.Split('\n').Single(l => l.StartsWith("SigBlk:", StringComparison.Ordinal))["SigBlk:".Length..].Trim();
            ulong blocked = ulong.Parse(sigBlk, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            foreach (int signal in new[] { 1, 2, 3, 15, 17, 18, 28 }) // HUP INT QUIT TERM CHLD CONT WINCH
            {
                Assert.True((blocked & (1UL << (signal - 1))) != 0, $"signal {signal} is not blocked on the firewall worker (SigBlk {sigBlk})");
            }

            Assert.Equal(0, Tgkill(Environment.ProcessId, tid, 17));
            await NetnsFirewall.ApplyAsync(NetworkNamespace.PathOf(name), CancellationToken.None);
            Assert.Contains("SigPnd:\t0000000000010000", await File.ReadAllTextAsync($"/proc/self/task/{tid}/status"), StringComparison.Ordinal);
        }
        finally
        {
            await NetworkNamespace.DeleteAsync(IpPathUnused, name);
        }
    }

    [Fact]
    public async Task Apply_RulesAreInForce_AsSoonAsItCompletes()
    {
        // ApplyAsync completes before the worker frees libnftables' context (that close waits for an RCU grace period,
        // ≥ 8 ms here): what it promises is that the committed rules are in force at completion, which is what lets a
        // sandbox start right after it. Probed at once from a socket inside the namespace: before, no route at all; after,
        // the nat rule sends the connection to the proxy port, where nothing listens in this test (refused, not unreachable).
        string name = NewName();
        await NetworkNamespace.CreateAsync(IpPathUnused, name, CancellationToken.None);
        using var sockets = new NetnsSocketFactory();
        try
        {
            using SafeFileHandle netns = NetnsSocketFactory.OpenNamespace(NetworkNamespace.PathOf(name));
            var outside = new IPEndPoint(IPAddress.Parse("198.51.100.1"), 80); // documentation address; nothing leaves the namespace
            Assert.Equal(SocketError.NetworkUnreachable, await ConnectErrorAsync(sockets, netns, outside));

            await NetnsFirewall.ApplyAsync(NetworkNamespace.PathOf(name), CancellationToken.None);
            Assert.Equal(SocketError.ConnectionRefused, await ConnectErrorAsync(sockets, netns, outside));
        }
        finally
        {
            await NetworkNamespace.DeleteAsync(IpPathUnused, name);
        }
    }

    private static async Task<SocketError> ConnectErrorAsync(NetnsSocketFactory sockets, SafeFileHandle netns, IPEndPoint target)
    {
        using Socket socket = await sockets.CreateAsync(netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(target).WaitAsync(TimeSpan.FromSeconds(5));
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    private static string NewName() => NetnsSetupCollection.Range.NetnsPrefix + "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The namespace identity (nsfs inode) of a /proc/…/ns/net link, e.g. "4026531840".</summary>
    private static string NamespaceOf(string procLink) =>
        (new FileInfo(procLink).LinkTarget ?? throw new IOException(procLink + " is not a namespace link")).Trim('n', 'e', 't', ':', '[', ']');

    /// <summary>The namespace identity of a bind-mounted namespace file (its nsfs inode).</summary>
    private static async Task<string> PinnedNamespaceOf(string path) => (await Sh($"stat -L -c %i {path}")).Output.Trim();

    private static async Task<(int Exit, string Output)> Sh(string command)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"`{command}` failed ({process.ExitCode}): {await error}");
        return (process.ExitCode, await output);
    }

    [DllImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    private static extern int Tgkill(int tgid, int tid, int signal);
}
