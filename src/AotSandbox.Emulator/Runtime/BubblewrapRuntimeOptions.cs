using AotSandbox.Emulator.Runtime.Image;

namespace AotSandbox.Emulator.Runtime;

/// <summary>Host-level settings of <see cref="BubblewrapRuntime"/>. The defaults suit a dedicated Debian 12 machine.</summary>
internal sealed record BubblewrapRuntimeOptions
{
    /// <summary>Root of per-sandbox state (generated /etc, the read-only agent copy). Must be on a root-owned path.</summary>
    public string StateRoot { get; init; } = "/run/aotsandbox";

    /// <summary>The agent binary built beside the assembly; copied into <see cref="StateRoot"/> before use.</summary>
    public string AgentPath { get; init; } = Path.Combine(AppContext.BaseDirectory, "aotsandbox-agent");

    /// <summary>First host uid/gid of the pool; sandbox n runs as <c>UidBase + n</c> (n ≥ 1).</summary>
    public int UidBase { get; init; } = 200000;

    /// <summary>How many sandboxes can be live at once (size of the uid pool).</summary>
    public int UidCount { get; init; } = 1024;

    /// <summary>cgroup v1 mount root; the runtime uses <c>&lt;root&gt;/{memory,pids,cpu}/&lt;CgroupParent&gt;/&lt;id&gt;</c>.</summary>
    public string CgroupRoot { get; init; } = "/sys/fs/cgroup";

    /// <summary>Name of the parent cgroup that holds every sandbox's cgroup.</summary>
    public string CgroupParent { get; init; } = "aotsandbox";

    /// <summary>Prefix of network namespace names (<c>ip netns</c>); the sweep removes every namespace with it.</summary>
    public string NetnsPrefix { get; init; } = "aotsb-";

    /// <summary>Size cap of the sandbox user's home tmpfs.</summary>
    public long HomeBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How long <c>StartAsync</c> waits for the agent's first answer.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The host's account and group databases: pool uids/gids found there are refused at start-up.</summary>
    public string PasswdPath { get; init; } = "/etc/passwd";

    /// <summary>See <see cref="PasswdPath"/>.</summary>
    public string GroupPath { get; init; } = "/etc/group";

    /// <summary>
    /// What sandboxes see as their root filesystem: the host's /usr (<see cref="ImageReference.Host"/>, the default),
    /// the pinned Debian image, a directory or an OCI tarball. Resolved once per runtime, before the first sandbox starts,
    /// so every sandbox of the runtime (pooled ones included) uses the same image.
    /// </summary>
    public ImageReference Image { get; init; } = ImageReference.Host;

    /// <summary>The root-owned cache of built and imported images, shared by every instance on the machine.</summary>
    public string ImageCacheRoot { get; init; } = ImageLayout.DefaultCacheRoot;

    /// <summary>Executables used on the host.</summary>
    public string BwrapPath { get; init; } = "/usr/bin/bwrap";

    /// <summary>
    /// <c>ip</c> from iproute2. No longer started by the runtime (namespaces are created in process); kept for callers
    /// that still set it.
    /// </summary>
    public string IpPath { get; init; } = "/usr/sbin/ip";

    /// <summary>
    /// <c>nft</c>. No longer started (the networking layer loads its rules through libnftables in process); kept for
    /// callers that still set it.
    /// </summary>
    public string NftPath { get; init; } = "/usr/sbin/nft";
}
