namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// A network namespace created by host root with <c>ip netns</c> (owned by the host's user namespace, so sandbox
/// code cannot change its routes or firewall). It starts with only <c>lo</c>; the networking layer adds veths.
/// </summary>
internal static class NetworkNamespace
{
    public static string PathOf(string name) => "/run/netns/" + name;

    public static Task CreateAsync(string ipPath, string name, CancellationToken cancellationToken) =>
        HostCommand.RunCheckedAsync(ipPath, ["netns", "add", name], cancellationToken);

    /// <summary>Deletes the namespace if it exists (idempotent).</summary>
    public static async Task DeleteAsync(string ipPath, string name)
    {
        if (!File.Exists(PathOf(name)))
        {
            return;
        }

        await HostCommand.RunAsync(ipPath, ["netns", "del", name], CancellationToken.None).ConfigureAwait(false);
    }

    public static IEnumerable<string> List(string prefix) =>
        Directory.Exists("/run/netns")
            ? Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            : [];
}
