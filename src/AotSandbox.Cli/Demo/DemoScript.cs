using System.Text;

namespace AotSandbox.Cli.Demo;

/// <summary>
/// Every capability of Adobe's Python SDK README, in its order, through the C# SDK: each step prints the call it makes and what
/// came back, and checks the result (a demo that prints wrong output and says "ok" would be worse than none).
/// </summary>
internal sealed class DemoScript(DemoRunner runner, string? apiHost, string? ns, string? apiKey)
{
    private const string ProcessCsv = """
        import csv, sys
        rows = list(csv.reader(sys.stdin))
        print(f"{len(rows) - 1} data row(s), columns: {', '.join(rows[0])}")
        for row in rows[1:]:
            print(" | ".join(row))
        """;

    private static readonly TimeSpan s_tenSeconds = TimeSpan.FromSeconds(10);

    private Sandbox? _sandbox;

    private Sandbox Sb => _sandbox ?? throw new InvalidOperationException("the sandbox of step 2 was not created");

    public async Task RunAsync()
    {
        _ = await runner.StepAsync("Quickstart: create, run `python --version`, destroy", QuickstartAsync).ConfigureAwait(false)
            && await runner.StepAsync("Create a sandbox with every option (name, type, size, lifetimes, ports, envs, network policy)", CreateAsync).ConfigureAwait(false)
            && await runner.StepAsync("Get a sandbox by id and read its status", GetAsync).ConfigureAwait(false)
            && await runner.StepAsync("Run a command with a timeout (and watch a timeout fire)", ExecAsync).ConfigureAwait(false)
            && await runner.StepAsync("Files: write hello.js, read it back, list the directory, run `node hello.js`", FilesAsync).ConfigureAwait(false)
            && await runner.StepAsync("Standard input at start: a Python CSV script reads its stdin", StdinAtStartAsync).ConfigureAwait(false)
            && await runner.StepAsync("Streaming standard input into `cat -n`", StreamingStdinAsync).ConfigureAwait(false)
            && await runner.StepAsync("Background process: detached server, re-attach from a second connection, kill, wait", DetachedAsync).ConfigureAwait(false)
            && await runner.StepAsync("Ports and preview URLs: GetUrl (synchronous, no network call)", PreviewUrlAsync).ConfigureAwait(false)
            && await runner.StepAsync("Network policy: a default-deny sandbox with an egress allowlist", PolicySandboxAsync).ConfigureAwait(false)
            && await runner.StepAsync("Destroy", DestroyAsync).ConfigureAwait(false);
    }

    private SandboxCreateOptions Options(string name) => new() { ApiHost = apiHost, Namespace = ns, ApiKey = apiKey, Name = name };

    private async Task QuickstartAsync()
    {
        DemoRunner.Code("var sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = \"my-sandbox\" });");
        Sandbox sandbox = runner.Track(await Sandbox.CreateAsync(Options("my-sandbox")).ConfigureAwait(false));
        DemoRunner.Say($"created {Style.Accent(sandbox.Id)} (status {sandbox.Status})");
        DemoRunner.Code("var result = await sandbox.Exec(\"python --version\", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });");
        ExecResult result = await sandbox.Exec("python --version", new ExecOptions { Timeout = s_tenSeconds }).ConfigureAwait(false);
        string version = (result.Stdout + result.Stderr).Trim();
        DemoRunner.Say($"stdout: {version}   exit code: {result.ExitCode}");
        Check(result.ExitCode == 0 && version.StartsWith("Python", StringComparison.Ordinal), "python --version did not print a Python version");
        DemoRunner.Code("await sandbox.DestroyAsync();");
        await sandbox.DestroyAsync().ConfigureAwait(false);
        runner.MarkDestroyed(sandbox);
        DemoRunner.Say("destroyed");
    }

    private async Task CreateAsync()
    {
        SandboxCreateOptions options = Options("demo-sandbox");
        options.Type = "cpu:default";
        options.Size = SandboxSize.Small;
        options.MaxLifetime = TimeSpan.FromMinutes(10);
        options.IdleTimeout = TimeSpan.FromMinutes(5);
        options.Ports = [3000, 8080];
        options.Envs = new Dictionary<string, string>(StringComparer.Ordinal) { ["API_KEY"] = "your-api-key", ["GREETING"] = "hello from the demo" };
        options.Policy = new SandboxPolicy
        {
            Network = NetworkPolicy.Allow(
                new EgressRule { Host = "httpbin.org", Port = 443 },
                new EgressRule { Host = "api.github.com", Port = 443, Rules = [new L7Rule { Methods = ["GET"], PathPattern = "/repos/**" }] }),
        };
        DemoRunner.Code("""
            await Sandbox.CreateAsync(new SandboxCreateOptions {
                      Name = "demo-sandbox", Type = "cpu:default", Size = SandboxSize.Small,
                      MaxLifetime = TimeSpan.FromMinutes(10), IdleTimeout = TimeSpan.FromMinutes(5),
                      Ports = [3000, 8080], Envs = { ["API_KEY"] = "your-api-key", ["GREETING"] = "hello from the demo" },
                      Policy = new SandboxPolicy { Network = NetworkPolicy.Allow(
                          new EgressRule { Host = "httpbin.org", Port = 443 },
                          new EgressRule { Host = "api.github.com", Port = 443, Rules = [new L7Rule { Methods = ["GET"], PathPattern = "/repos/**" }] }) } });
            """.ReplaceLineEndings("\n      "));
        _sandbox = runner.Track(await Sandbox.CreateAsync(options).ConfigureAwait(false));
        DemoRunner.Say($"created {Style.Accent(Sb.Id)}: name {Sb.Name}, status {Sb.Status}, max lifetime {Sb.MaxLifetime.TotalSeconds:0}s, idle timeout {Sb.IdleTimeout.TotalSeconds:0}s");
        DemoRunner.Say($"network policy: default-deny egress, allowlisted: httpbin.org:443, api.github.com:443 (GET /repos/** only)");
        ExecResult env = await Sb.Exec("echo \"$GREETING\"", new ExecOptions { Timeout = s_tenSeconds }).ConfigureAwait(false);
        DemoRunner.Say($"env inside: GREETING={env.Stdout.Trim()}");
        Check(env.Stdout.Trim() == "hello from the demo", "the GREETING variable did not reach the sandbox");
        Check(Sb.PreviewUrls.ContainsKey(3000) && Sb.PreviewUrls.ContainsKey(8080), "the declared ports have no preview URLs");
    }

    private async Task GetAsync()
    {
        DemoRunner.Code($"var again = await Sandbox.GetAsync(\"{Sb.Id}\");");
        Sandbox again = await Sandbox.GetAsync(Sb.Id, new SandboxConnectionOptions { ApiHost = apiHost, Namespace = ns, ApiKey = apiKey }).ConfigureAwait(false);
        DemoRunner.Say($"status: {again.Status}, name: {again.Name}");
        Check(again.Id == Sb.Id && again.Status is "ready" or "running", $"unexpected status '{again.Status}'");
    }

    private async Task ExecAsync()
    {
        DemoRunner.Code("var result = await sandbox.Exec(\"ls -al\", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });");
        ExecResult result = await Sb.Exec("ls -al", new ExecOptions { Timeout = s_tenSeconds }).ConfigureAwait(false);
        DemoRunner.Say(Style.Dim(result.Stdout.TrimEnd()));
        DemoRunner.Say($"exit code: {result.ExitCode}");
        Check(result.ExitCode == 0, "ls -al failed");
        ExecResult pwd = await Sb.Exec("pwd", new ExecOptions { Timeout = s_tenSeconds }).ConfigureAwait(false);
        DemoRunner.Say($"commands run in {pwd.Stdout.Trim()}");
        Check(pwd.Stdout.Trim() == "/workspace", "commands do not run in /workspace");

        DemoRunner.Code("await sandbox.Exec(\"sleep 30\", new ExecOptions { Timeout = TimeSpan.FromSeconds(1) });");
        try
        {
            await Sb.Exec("sleep 30", new ExecOptions { Timeout = TimeSpan.FromSeconds(1) }).ConfigureAwait(false);
            Check(false, "sleep 30 with a 1 s timeout did not time out");
        }
        catch (SandboxTimeoutException e)
        {
            DemoRunner.Say($"SandboxTimeoutException: {e.Message}");
        }
    }

    private async Task FilesAsync()
    {
        const string script = "console.log('hello from sandbox script', process.version)\n";
        DemoRunner.Code("await sandbox.WriteFileAsync(\"hello.js\", script);");
        WriteResult written = await Sb.WriteFileAsync("hello.js", script).ConfigureAwait(false);
        DemoRunner.Say($"wrote {written.Path} ({written.Size} bytes)");
        string content = await Sb.ReadFileAsync("hello.js").ConfigureAwait(false);
        DemoRunner.Say($"ReadFileAsync: {content.Trim()}");
        Check(content == script, "the file read back differs from what was written");
        IReadOnlyList<FileEntry> entries = await Sb.ListFilesAsync(".").ConfigureAwait(false);
        DemoRunner.Say($"ListFilesAsync(\".\"): {string.Join(", ", entries.Select(e => e.ToString()))}");
        Check(entries.Any(e => e.Name == "hello.js"), "hello.js is not listed");
        DemoRunner.Code("var result = await sandbox.Exec(\"node hello.js\", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });");
        ExecResult run = await Sb.Exec("node hello.js", new ExecOptions { Timeout = s_tenSeconds }).ConfigureAwait(false);
        DemoRunner.Say($"stdout: {run.Stdout.Trim()}   stderr: {(run.Stderr.Trim().Length == 0 ? "(empty)" : run.Stderr.Trim())}   exit code: {run.ExitCode}");
        Check(run.ExitCode == 0 && run.Stdout.Contains("hello from sandbox script", StringComparison.Ordinal), "node hello.js did not print its greeting");
    }

    private async Task StdinAtStartAsync()
    {
        await Sb.WriteFileAsync("process_csv.py", ProcessCsv + "\n").ConfigureAwait(false);
        DemoRunner.Code("await sandbox.Exec(\"python process_csv.py\", new ExecOptions { Stdin = \"col1,col2\\nval1,val2\\n\", Timeout = ... });");
        ExecResult result = await Sb.Exec("python process_csv.py", new ExecOptions { Stdin = "col1,col2\nval1,val2\n", Timeout = s_tenSeconds }).ConfigureAwait(false);
        DemoRunner.Say($"stdout:\n{result.Stdout.TrimEnd()}");
        Check(result.ExitCode == 0 && result.Stdout.Contains("val1 | val2", StringComparison.Ordinal), $"the CSV script failed: {result.Stderr.Trim()}");
    }

    private async Task StreamingStdinAsync()
    {
        DemoRunner.Code("var task = sandbox.Exec(\"cat -n\"); await sandbox.WriteStdinAsync(task.ExecId, \"line 1\\n\"); ...; await sandbox.CloseStdinAsync(task.ExecId);");
        ExecTask task = Sb.Exec("cat -n", new ExecOptions { Timeout = s_tenSeconds });
        await Sb.WriteStdinAsync(task.ExecId, "line 1\n").ConfigureAwait(false);
        await Sb.WriteStdinAsync(task.ExecId, "line 2\n").ConfigureAwait(false);
        await Sb.CloseStdinAsync(task.ExecId).ConfigureAwait(false);
        ExecResult result = await task;
        DemoRunner.Say($"stdout:\n{result.Stdout.TrimEnd()}");
        Check(result.ExitCode == 0 && result.Stdout.Contains("2\tline 2", StringComparison.Ordinal), "cat -n did not number both lines");
    }

    private async Task DetachedAsync()
    {
        DemoRunner.Code("var server = await sandbox.StartDetachedAsync(\"python -u -m http.server 3000\");");
        DetachedCommand server = await Sb.StartDetachedAsync("python -u -m http.server 3000").ConfigureAwait(false);
        DemoRunner.Say($"exec id {server.ExecId}, pid {server.Pid}, started {server.StartedAt:HH:mm:ss}");

        // Prove it serves: fetch from inside the sandbox (its network is its own; loopback works).
        ExecResult fetch = await Sb.Exec(
            "python -c \"import time,urllib.request\nfor i in range(50):\n  try: print(urllib.request.urlopen('http://127.0.0.1:3000/').status); break\n  except Exception: time.sleep(0.1)\"",
            new ExecOptions { Timeout = s_tenSeconds }).ConfigureAwait(false);
        DemoRunner.Say($"GET http://127.0.0.1:3000/ from inside the sandbox: HTTP {fetch.Stdout.Trim()}");
        Check(fetch.Stdout.Trim() == "200", "the background server did not answer");

        string token = Sb.SessionToken ?? throw new InvalidOperationException("the created sandbox has no session token");
        DemoRunner.Code("await using var other = await Sandbox.AttachAsync(sandbox.Id, sandbox.SessionToken);   // a second connection, e.g. another process");
        await using Sandbox other = await Sandbox.AttachAsync(Sb.Id, token, new SandboxConnectionOptions { ApiHost = apiHost, Namespace = ns, ApiKey = apiKey }).ConfigureAwait(false);
        var seen = new StringBuilder();
        bool replay = other.Extensions.Contains(SandboxExtensionNames.ExecReplay);
        DemoRunner.Code($"var handle = await other.GetCommandAsync(execId, new GetCommandOptions {{ OnOutput = ..., Replay = {(replay ? "true" : "false")} }});");
        DetachedCommand handle = await other.GetCommandAsync(server.ExecId, new GetCommandOptions
        {
            Replay = replay,
            OnOutput = (_, utf8) =>
            {
                lock (seen)
                {
                    seen.Append(Encoding.UTF8.GetString(utf8));
                }
            },
        }).ConfigureAwait(false);
        DemoRunner.Say($"re-attached to {handle.ExecId} (command: {handle.Command}, pid {handle.Pid})");
        Check(handle.ExecId == server.ExecId, "re-attached to a different command");

        DemoRunner.Code("await handle.KillAsync();   // SIGTERM, from the second connection");
        await handle.KillAsync().ConfigureAwait(false);
        DemoRunner.Code("CommandExit exit = await server.WaitAsync();   // observed on the first connection");
        CommandExit exit = await server.WaitAsync().WaitAsync(s_tenSeconds).ConfigureAwait(false);
        CommandExit exitSeenByOther = await handle.WaitAsync().WaitAsync(s_tenSeconds).ConfigureAwait(false);
        DemoRunner.Say($"exit code: {exit.ExitCode} (the second connection saw {exitSeenByOther.ExitCode})");
        string output;
        lock (seen)
        {
            output = seen.ToString().Trim();
        }

        if (output.Length > 0)
        {
            DemoRunner.Say($"server output seen by the second connection{(replay ? " (with replay)" : string.Empty)}:\n{Style.Dim(output)}");
        }

        Check(exit.ExitCode is not null && exit.ExitCode == exitSeenByOther.ExitCode, "the two connections disagree on the exit");
    }

    private async Task PreviewUrlAsync()
    {
        DemoRunner.Code("await sandbox.Exec(\"python -m http.server 3000 &\", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });");
        ExecResult started = await Sb.Exec("python -m http.server 3000 > /dev/null 2>&1 &", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) }).ConfigureAwait(false);
        Check(started.ExitCode == 0, "starting the server with & failed");
        DemoRunner.Code("string url = sandbox.GetUrl(3000);");
        string url = Sb.GetUrl(3000);
        DemoRunner.Say($"preview: {Style.Accent(url)}");
        if (new Uri(url).Host.EndsWith(".localhost", StringComparison.Ordinal))
        {
            // Only a local emulator's URL is fetched (*.localhost is loopback by definition): the demo never reaches out.
            int status = await PreviewFetch.GetStatusAsync(new Uri(url)).ConfigureAwait(false);
            DemoRunner.Say($"GET {url} from this machine: HTTP {status} (served by python inside the sandbox)");
            Check(status == 200, "the preview URL did not reach the server in the sandbox");
        }

        DemoRunner.Say($"port 8080: {Style.Accent(Sb.GetUrl(8080))}");
        try
        {
            Sb.GetUrl(5000);
            Check(false, "GetUrl(5000) of an undeclared port returned a URL");
        }
        catch (SandboxPortNotProvisionedException e)
        {
            DemoRunner.Say($"GetUrl(5000), not declared: {e.GetType().Name}");
        }

        Check(Uri.TryCreate(url, UriKind.Absolute, out _), "the preview URL is not a URL");
    }

    private async Task PolicySandboxAsync()
    {
        SandboxCreateOptions options = Options("policy-sandbox");
        options.MaxLifetime = TimeSpan.FromSeconds(300);
        options.Policy = new SandboxPolicy
        {
            Network = NetworkPolicy.Allow(
                new EgressRule { Host = "httpbin.org", Port = 443 },
                new EgressRule { Host = "api.github.com", Port = 443, Rules = [new L7Rule { Methods = ["GET"], PathPattern = "/repos/**" }] }),
        };
        DemoRunner.Code("await Sandbox.CreateAsync(new SandboxCreateOptions { Name = \"policy-sandbox\", MaxLifetime = TimeSpan.FromSeconds(300), Policy = ... });");
        Sandbox policySandbox = runner.Track(await Sandbox.CreateAsync(options).ConfigureAwait(false));
        DemoRunner.Say($"created {Style.Accent(policySandbox.Id)} (max lifetime {policySandbox.MaxLifetime.TotalSeconds:0}s): outbound traffic is blocked except");
        DemoRunner.Say("  httpbin.org:443 (any request) and api.github.com:443 (GET /repos/** only)");
        Check(policySandbox.MaxLifetime == TimeSpan.FromSeconds(300), "the max lifetime was not applied");
        ExecResult alive = await policySandbox.Exec("echo policy sandbox up", new ExecOptions { Timeout = s_tenSeconds }).ConfigureAwait(false);
        Check(alive.ExitCode == 0, "the policy sandbox does not run commands");
        await policySandbox.DestroyAsync().ConfigureAwait(false);
        runner.MarkDestroyed(policySandbox);
        DemoRunner.Say("destroyed");
    }

    private async Task DestroyAsync()
    {
        DemoRunner.Code("await sandbox.DestroyAsync();");
        SandboxDestroyResult result = await Sb.DestroyAsync().ConfigureAwait(false);
        runner.MarkDestroyed(Sb);
        DemoRunner.Say($"{result.SandboxId}: {result.Status ?? "destroyed"}");
        try
        {
            Sandbox after = await Sandbox.GetAsync(Sb.Id, new SandboxConnectionOptions { ApiHost = apiHost, Namespace = ns, ApiKey = apiKey }).ConfigureAwait(false);
            DemoRunner.Say($"GetAsync afterwards: status {after.Status}");
            Check(after.Status is not ("ready" or "running"), "the sandbox still runs after DestroyAsync");
        }
        catch (SandboxNotFoundException)
        {
            DemoRunner.Say("GetAsync afterwards: not found");
        }
    }

    private static void Check(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException(failure);
        }
    }
}
