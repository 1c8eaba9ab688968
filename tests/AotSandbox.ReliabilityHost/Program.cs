using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using AotSandbox.Emulator;
using AotSandbox.Emulator.Runtime;

// Usage: AotSandbox.ReliabilityHost <port> <api-key> [ready-file]
// Serves real sandboxes on a slice of the reliability range (uids 640048-640063, cgroup parent and state root
// "aotsb-reltest-proc", netns prefix "relp-") that no other emulator uses, so its start-up sweep is safe. Prints
// "READY <api host>" (and writes it to ready-file) once serving; SIGTERM ends it cleanly, SIGKILL is the fault the tests inject.
var runtimeOptions = new BubblewrapRuntimeOptions
{
    StateRoot = "/run/aotsb-reltest-proc",
    CgroupParent = "aotsb-reltest-proc",
    NetnsPrefix = "relp-",
    UidBase = 640048,
    UidCount = 16,
};
var server = new EmulatorServer(new EmulatorOptions
{
    Namespace = "crash",
    ApiKey = args[1],
    Listen = new IPEndPoint(IPAddress.Loopback, int.Parse(args[0], CultureInfo.InvariantCulture)),
    RuntimeFactory = _ => new BubblewrapRuntime(runtimeOptions),
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
