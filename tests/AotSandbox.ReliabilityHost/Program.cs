using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

// Usage: AotSandbox.ReliabilityHost <port> <api-key> [ready-file [<uid-base> <tag> <netns-prefix> [<pool-size>]]]
// Serves real sandboxes on a slice of the reliability range (uids 640048-640063, cgroup parent and state root
// "aotsb-reltest-proc", netns prefix "relp-") that no other emulator uses, so its start-up sweep is safe; a suite
// that needs a separate emulator process of its own passes its own range (16 uids from uid-base, /run/<tag>, cgroup
// parent <tag>), and a pool size when it must differ from the default (0: every create starts its sandbox). Prints "READY <api host>" (and writes it to ready-file) once serving; SIGTERM ends it cleanly,
// SIGKILL is the fault the tests inject.
string tag = args.Length > 5 ? args[4] : "aotsb-reltest-proc";
var runtimeOptions = new BubblewrapRuntimeOptions
{
    StateRoot = "/run/" + tag,
    CgroupParent = tag,
    NetnsPrefix = args.Length > 5 ? args[5] : "relp-",
    UidBase = args.Length > 5 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 640048,
    UidCount = 16,
};
var server = new EmulatorServer(new EmulatorOptions
{
    Namespace = "crash",
    ApiKey = args[1],
    Listen = new IPEndPoint(IPAddress.Loopback, int.Parse(args[0], CultureInfo.InvariantCulture)),
    RuntimeFactory = _ => new BubblewrapRuntime(runtimeOptions),
    PoolSize = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : EmulatorOptions.DefaultPoolSize,
});
await server.StartAsync();
Console.WriteLine("READY " + server.ApiHost);
if (args.Length > 2)
{
    await File.WriteAllTextAsync(args[2], "READY " + server.ApiHost);
}

var stopped = new TaskCompletionSource();
using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopped.TrySetResult();
});
await stopped.Task;
await server.DisposeAsync();
