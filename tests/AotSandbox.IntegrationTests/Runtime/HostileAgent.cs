using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// A hostile agent double: a small Python program installed as the runtime's agent binary (the runtime's
/// <see cref="BubblewrapRuntimeOptions.AgentPath"/> seam). The runtime starts it where it would start the launcher,
/// with the real cgroups and network namespace prepared; it joins the cgroups (so teardown kills it like a real
/// sandbox), answers pings like an honest agent, and misbehaves once the host spawns a command: what sandbox code
/// could make the agent channel say if it ever got hold of the pipes.
/// </summary>
internal static class HostileAgent
{
    /// <summary>Its own uid range, cgroup parent, netns prefix and state root: nothing shared with other fixtures.</summary>
    public static readonly BubblewrapRuntimeOptions BaseOptions = new()
    {
        StateRoot = "/run/aotsandbox-hostile",
        CgroupParent = "aotsandbox-hostile",
        NetnsPrefix = "aotsbh-",
        UidBase = 690000,
        UidCount = 8,
    };

    /// <summary>Writes the double with <paramref name="onSpawn"/> (Python, indented by 8, may use send/err/spawn_id) as what it does on a spawn request.</summary>
    public static string Write(string name, string onSpawn)
    {
        var directory = Path.Combine(Path.GetTempPath(), "aotsandbox-hostile-agents");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".py");
        File.WriteAllText(path, Template.Replace("{ON_SPAWN}", onSpawn, StringComparison.Ordinal));
        return path;
    }

    private const string Template = """
        #!/usr/bin/python3
        # Hostile agent double (tests only). Invoked as: <self> launch <netns> <uid> <gid> <cgroup.procs>... -- <bwrap> ...
        import os, struct, sys, time
        args = sys.argv
        i = 5
        while args[i] != '--':
            with open(args[i], 'w') as f:
                f.write(str(os.getpid()))
            i += 1
        inp, out, err = sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer

        def send(kind, ident, payload=b''):
            out.write(struct.pack('<IBI', 5 + len(payload), kind, ident) + payload)
            out.flush()

        def frame():
            head = inp.read(4)
            if len(head) < 4:
                sys.exit(0)
            body = inp.read(struct.unpack('<I', head)[0])
            return body[0], struct.unpack('<I', body[1:5])[0], body[5:]

        while True:
            kind, ident, payload = frame()
            if kind == 0x08:
                send(0x89, ident)
            elif kind in (0x01, 0x0A):  # spawn, spawn_pty
                spawn_id = ident
        {ON_SPAWN}
                time.sleep(3600)
        """;
}
