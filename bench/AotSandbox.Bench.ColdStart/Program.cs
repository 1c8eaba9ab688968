using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using AotSandbox;

// Usage:
//   attach API_HOST NAMESPACE API_KEY SANDBOX_ID TOKEN   re-attach, exec `true`, destroy
//   create API_HOST NAMESPACE API_KEY                    create, exec `true`, print RSS, destroy
//   split  API_HOST NAMESPACE API_KEY SANDBOX_ID TOKEN   profile of attach: a cold GET alone ("rest"), then the attach
//                                                        (warm GET + WebSocket connect + auth), exec `true`, destroy
//   stream API_HOST NAMESPACE API_KEY SANDBOX_ID TOKEN BYTES   exec a command printing BYTES of base64, report RSS
// Any mode may end with `--ca FILE.pem`: trust that CA (a wss:// emulator with a private CA); milestone "ca" marks it
// loaded, which is the first use of OpenSSL (the shim, libssl and libcrypto) in this process.
// Each milestone prints "t NAME TIMESTAMP" on the monotonic clock (Stopwatch, CLOCK_MONOTONIC on Linux), which the
// parent shares, so "process start → connected session" is measured apart from create/exec/destroy.
Mark("main");
string mode = args[0];
X509Certificate2Collection? authorities = null;
if (args.Length >= 2 && args[^2] == "--ca")
{
    authorities = [];
    authorities.ImportFromPemFile(args[^1]);
    Mark("ca");
}

var connection = new SandboxConnectionOptions { ApiHost = args[1], Namespace = args[2], ApiKey = args[3], TrustedCertificateAuthorities = authorities };
Sandbox sandbox;
if (mode == "create")
{
    sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions
    {
        ApiHost = args[1],
        Namespace = args[2],
        ApiKey = args[3],
        Name = "coldstart",
        TrustedCertificateAuthorities = authorities,
    });
}
else
{
    if (mode == "split")
    {
        // Pays the HTTP stack's first use on its own, so "connected" − "rest" is what the data plane costs cold.
        await Sandbox.GetAsync(args[4], connection);
        Mark("rest");
    }

    sandbox = await Sandbox.AttachAsync(args[4], args[5], connection);
}

Mark("connected");
if (mode == "stream")
{
    long target = long.Parse(args[6], CultureInfo.InvariantCulture);
    long received = 0;
    long nextSample = 0;
    ExecResult streamed = await sandbox.Exec(
        $"head -c {target / 4 * 3} /dev/zero | base64",
        new ExecOptions
        {
            CaptureOutput = false,
            Timeout = TimeSpan.FromMinutes(5),
            OnOutput = (_, utf8) =>
            {
                received += utf8.Length;
                if (received >= nextSample)
                {
                    // Reading /proc/self/statm allocates a little; 1 sample per 64 MiB does not move the RSS.
                    Console.WriteLine($"rss {received} {ResidentBytes()}");
                    nextSample += 64L * 1024 * 1024;
                }
            },
        });
    Console.WriteLine($"rss {received} {ResidentBytes()}");
    Mark("streamed");
    Console.WriteLine($"exit {streamed.ExitCode} bytes {received}");
    await sandbox.DisposeAsync();
    return streamed.ExitCode == 0 ? 0 : 1;
}

ExecResult result = await sandbox.Exec("true");
Mark("exec");
if (mode == "create")
{
    // The baseline for the C library's probe, which reads its RSS at the same point (after create + exec).
    Console.WriteLine("rss_after_create_exec " + ResidentBytes().ToString(CultureInfo.InvariantCulture));
}

await sandbox.DestroyAsync();
Mark("destroyed");
return result.ExitCode ?? 1;

static void Mark(string name) => Console.WriteLine("t " + name + " " + Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture));

static long ResidentBytes()
{
    // statm: size resident shared ... in pages.
    string[] fields = File.ReadAllText("/proc/self/statm").Split(' ');
    return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
}
