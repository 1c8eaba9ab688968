using System.Globalization;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// Issue 12 item 5: a sandbox process that is dumpable can be opened through /proc/PID/fd or ptraced by any code of the
/// same uid. The agent's host pipes (its fds 0-2: requests, events, diagnostics) must therefore never be open in a
/// process at the moment it becomes dumpable. The agent's fd audit hook lists the descriptors at exactly that moment;
/// the host (root) reads which pipes the agent's 0-2 are, and the two sets must not meet.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class AgentFdAuditTests(RuntimeFixture fixture)
{
    [Fact]
    public async Task DumpableToggle_HoldsNoHostPipe_OnlyTheCommandsOwnStdio()
    {
        var environment = new Dictionary<string, string> { ["AOTSANDBOX_AGENT_FD_AUDIT"] = "1" };
        var sandbox = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(environment: environment), CancellationToken.None);
        await using var owned = sandbox;
        var agentPipes = HostPipesOfAgent(sandbox.Id);
        Assert.Equal(3, agentPipes.Count); // the host really sees three distinct pipes, else the check below is vacuous

        // Several concurrent execs: a dumpable process must not hold the other commands' pipes either.
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => sandbox.RunAsync("sleep 0.2; readlink /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2")));
        foreach (var (exit, stdout, stderr) in runs)
        {
            Assert.Equal(0, exit);
            var audit = stderr.Split('\n').SingleOrDefault(l => l.StartsWith("aotsandbox-agent fd audit:", StringComparison.Ordinal));
            Assert.True(audit is not null, "the agent's fd audit hook did not run: stderr was " + stderr);
            var held = audit["aotsandbox-agent fd audit:".Length..]
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(entry => entry.Split('=', 2))
                .ToDictionary(p => int.Parse(p[0], CultureInfo.InvariantCulture), p => p[1]);
            foreach (var (fd, target) in held)
            {
                Assert.False(agentPipes.Contains(target), $"fd {fd} ({target}) is one of the agent's host pipes and was open while dumpable: {audit}");
            }

            Assert.Equal([0, 1, 2], held.Keys.Order().ToArray());
            // ...and those three are the command's own stdio, exactly what the command ends up with after exec.
            Assert.Equal(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), new[] { held[0], held[1], held[2] });
        }
    }

    /// <summary>readlink of the agent's fds 0-2 as host root (e.g. <c>pipe:[123]</c>).</summary>
    private static HashSet<string> HostPipesOfAgent(string sandboxId)
    {
        var pid = AgentProcess.HostPid(sandboxId);
        return [.. Enumerable.Range(0, 3).Select(fd => new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget!)];
    }
}
