using System.Text;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>Shared helpers of the battery: run in-sandbox scripts through the SDK and remember every byte returned, so the canary check sees it.</summary>
public abstract class Battery(SecurityFixture fixture) : IAsyncLifetime
{
    private readonly List<Sandbox> _created = [];
    private readonly StringBuilder _observed = new();

    protected SecurityFixture Fixture { get; } = fixture;

    /// <summary>A fresh tenant-A sandbox, destroyed at the end of the test (before the host checks).</summary>
    protected async Task<Sandbox> NewSandboxAsync(string? name = null, SandboxSize size = SandboxSize.Small)
    {
        Sandbox sandbox = await Sandbox.CreateAsync(Fixture.Create(name, size));
        _created.Add(sandbox);
        return sandbox;
    }

    protected void Track(Sandbox sandbox) => _created.Add(sandbox);

    /// <summary>
    /// Runs a command (bounded by <paramref name="seconds"/>) and records its output. A command that did not run at
    /// all (a missing tool, a broken Python script: see <see cref="Probe.Classify"/>) fails the test here, so no
    /// check downstream can mistake it for a refusal.
    /// </summary>
    protected async Task<ExecResult> RunAsync(Sandbox sandbox, string command, double seconds = 30, string? stdin = null)
    {
        ExecResult result = await sandbox.Exec(command, new ExecOptions { Timeout = TimeSpan.FromSeconds(seconds), Stdin = stdin });
        Observe(result.Stdout);
        Observe(result.Stderr);
        Probe.Classify(command, result.ExitCode, result.Stdout, result.Stderr);
        return result;
    }

    /// <summary>Writes <see cref="Probe.Python"/> + <paramref name="script"/> into the sandbox and runs it.</summary>
    protected async Task<ExecResult> PythonAsync(Sandbox sandbox, string script, double seconds = 30)
    {
        string name = "t" + Guid.NewGuid().ToString("N")[..8] + ".py";
        await sandbox.WriteFileAsync(name, Probe.Python + script);
        return await RunAsync(sandbox, "python3 " + name, seconds);
    }

    /// <summary>Runs one attack command and returns its classified outcome (the errno its stderr names).</summary>
    protected async Task<ProbeOutcome> AttackAsync(Sandbox sandbox, string command, double seconds = 30)
    {
        ExecResult result = await RunAsync(sandbox, command, seconds);
        return Probe.Classify(command, result.ExitCode, result.Stdout, result.Stderr);
    }

    /// <summary>Runs a Python probe whose <c>attempt</c>/<c>syscall</c>/<c>libcall</c> lines report each attack's errno.</summary>
    protected async Task<ProbeOutcome> PythonProbeAsync(Sandbox sandbox, string script, double seconds = 30)
    {
        ExecResult result = await PythonAsync(sandbox, script, seconds);
        return Probe.Classify("python3 <" + script.Split('\n')[0] + "...>", result.ExitCode, result.Stdout, result.Stderr);
    }

    protected void Observe(string text)
    {
        lock (_observed)
        {
            _observed.Append(text).Append('\n');
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Destroys the test's sandboxes, then asserts the host invariants over everything observed.</summary>
    public async Task DisposeAsync()
    {
        foreach (Sandbox sandbox in _created)
        {
            try
            {
                await sandbox.DestroyAsync();
            }
            catch (SandboxException)
            {
                // Already gone (a test may have destroyed or crashed it on purpose).
            }

            await sandbox.DisposeAsync();
        }

        await Fixture.AssertHostIntactAsync(_observed.ToString());
    }
}
