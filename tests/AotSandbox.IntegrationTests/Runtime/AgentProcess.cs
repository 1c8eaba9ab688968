namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>The host's view of a sandbox's agent (PID 1 in the sandbox's pid namespace), read as host root.</summary>
internal static class AgentProcess
{
    /// <summary>The agent's pid on the host, found among the processes of the sandbox's memory cgroup.</summary>
    public static int HostPid(string sandboxId)
    {
        var options = RuntimeFixture.Options;
        var procs = Path.Combine(options.CgroupRoot, "memory", options.CgroupParent, sandboxId, "cgroup.procs");
        foreach (var line in File.ReadAllLines(procs))
        {
            var status = File.ReadAllLines($"/proc/{line}/status");
            if (status.Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal)).EndsWith("\t1", StringComparison.Ordinal))
            {
                return int.Parse(line, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("the sandbox's agent (pid 1 in its namespace) was not found in " + procs);
    }
}
