using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Turns a fresh network namespace (only <c>lo</c>) into a sandbox network: a default route on <c>lo</c> (so any
/// destination is "reachable" and reaches the nat hook), and an nftables table owned by host root inside the
/// namespace that redirects every IPv4 TCP connection leaving the sandbox to the egress proxy's in-namespace
/// listener and drops everything else that is not loopback (UDP, ICMP, IPv6, raw). The sandbox's own user
/// namespace has no capabilities over this host-owned netns, so nothing inside can change these rules.
/// </summary>
internal static class NetnsFirewall
{
    /// <summary>The proxy port every outbound TCP connection is redirected to (on 127.0.0.1 inside the namespace).</summary>
    public const int RedirectPort = 15001;

    /// <summary>The nftables ruleset applied inside each sandbox namespace.</summary>
    public static string Ruleset { get; } = string.Create(CultureInfo.InvariantCulture, $$"""
        table inet aotsandbox {
          chain nat_output {
            type nat hook output priority -100; policy accept;
            ip daddr 127.0.0.0/8 return
            meta nfproto ipv4 meta l4proto tcp redirect to :{{RedirectPort}}
          }
          chain filter_output {
            type filter hook output priority 0; policy drop;
            ip daddr 127.0.0.0/8 accept
            ip6 daddr ::1 accept
          }
        }

        """);

    /// <summary>Makes the ruleset idempotent: an existing table of ours is dropped atomically with the new definition.</summary>
    private const string ReplaceExisting = "table inet aotsandbox\ndelete table inet aotsandbox\n";

    /// <summary>
    /// Applies route and rules inside <paramref name="netnsPath"/>, in this process (no <c>ip</c>/<c>nft</c>/<c>nsenter</c>
    /// processes): a <see cref="NetnsWorker"/> thread enters the namespace, brings lo up and sets the default route over
    /// rtnetlink, writes route_localnet through /proc/sys/net (which resolves to the namespace of the thread that opens
    /// it) and loads the ruleset with libnftables. route_localnet is needed because redirected packets carry 127.0.0.1
    /// as source toward a non-loopback destination until the nat hook rewrites them.
    /// Completes once the ruleset is committed, i.e. in force; freeing libnftables' context afterwards waits for an RCU
    /// grace period (<see cref="LibNftables.RunKeepingContext"/>), which the worker does after this completes, off the
    /// caller's path (the next apply on the worker starts after it).
    /// </summary>
    public static async Task ApplyAsync(string netnsPath, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // The worker with its own descriptor table: libnftables' select(2) aborts on a descriptor >= 1024 (NetnsWorker).
        await NetnsWorker.SharedWithPrivateFiles.RunInThenDisposeAsync(netnsPath, ApplyInCurrentNamespace).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs on the worker thread, inside the sandbox namespace; returns the libnftables context for the worker to free.</summary>
    private static LibNftables.Context ApplyInCurrentNamespace()
    {
        LoopbackNetlink.Configure();
        WriteSysctl("/proc/sys/net/ipv4/conf/lo/route_localnet");
        WriteSysctl("/proc/sys/net/ipv4/conf/all/route_localnet");
        // Replace-if-present in the same transaction (declare, delete, define): one atomic change, idempotent.
        return LibNftables.RunKeepingContext(ReplaceExisting + Ruleset);
    }

    private static void WriteSysctl(string path)
    {
        // /proc/sys is the kernel's own filesystem (nothing to plant there); O_TRUNC is meaningless for it and harmless.
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        file.Write("1\n"u8);
    }
}
