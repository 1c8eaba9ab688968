using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AotSandbox.IntegrationTests.Cli;

/// <summary>
/// `aotsandbox shell` used the way a person uses it: tmux gives the PUBLISHED binary a real terminal, keys are typed
/// into bash in the sandbox, the screen is read back (capture-pane), the window is resized, and afterwards the pane's
/// own terminal must be back in cooked mode. tmux runs on a private server socket, so nothing of the user's is touched.
/// </summary>
[Collection(CliCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class CliShellTmuxTests(CliFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _socket = $"aotsb-shelltest-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
    private const string Session = "shell";
    private const string LocalPrompt = "local-pane# ";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await TmuxAsync(["kill-server"], check: false);

    [Fact]
    public async Task Shell_InTmux_TypesReadsResizesExitsWithTheCodeAndRestoresTheTerminal()
    {
        string id = await fixture.CreateSandboxAsync();
        // A known local prompt, so the sandbox's prompt is told apart from the pane's own shell.
        await TmuxAsync(["new-session", "-d", "-s", Session, "-x", "120", "-y", "40", "env", $"PS1={LocalPrompt}", "bash", "--norc", "--noprofile"]);
        await WaitForScreenAsync(s => s.Contains(LocalPrompt, StringComparison.Ordinal), "the pane's local shell");

        await SendLineAsync($"'{fixture.Binary}' shell {id}; echo cli-exit=$?");
        // The sandbox's interactive shell prints a prompt ending in '$ ' (it runs as an unprivileged user); the local one ends in '# '.
        await WaitForScreenAsync(s => LastLine(s).EndsWith('$'), "the sandbox shell's prompt");

        await SendLineAsync("echo $((6*7)) on $(tty)");
        string screen = await WaitForScreenAsync(s => SandboxAnswer().IsMatch(s), "42 from bash in the sandbox, on its pseudo-terminal");
        Assert.DoesNotMatch(CliExit(), screen); // the CLI still runs: the answer came from the sandbox

        await SendLineAsync("stty size");
        await WaitForScreenAsync(s => s.Contains("40 120", StringComparison.Ordinal), "the initial size 40 120 inside");

        await TmuxAsync(["resize-window", "-t", Session, "-x", "100", "-y", "30"]);
        await WaitForScreenAsync(s => s.Contains("30 100", StringComparison.Ordinal), "stty size 30 100 after the resize", retypeEvery: "stty size");

        await SendLineAsync("exit 3");
        await WaitForScreenAsync(s => CliExit().Match(s).Value.Trim() == "cli-exit=3", "the CLI's exit code 3 in the local shell");

        // The pane's terminal must be cooked again: line editing and echo on, as before the CLI ran.
        await SendLineAsync("stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo|isig|opost)$' | tr '\\n' ' '; echo :modes");
        string modes = await WaitForScreenAsync(s => ModesLine().IsMatch(s), "the stty modes line");
        string line = ModesLine().Match(modes).Value;
        foreach (string mode in new[] { "icanon", "echo", "isig", "opost" })
        {
            Assert.Matches($"(^| ){mode} ", line);
        }
    }

    [Fact]
    public async Task ExecIt_InTmux_RunsOnATerminalAndReturnsTheExitCode()
    {
        string id = await fixture.CreateSandboxAsync();
        await TmuxAsync(["new-session", "-d", "-s", Session, "-x", "90", "-y", "25", "env", $"PS1={LocalPrompt}", "bash", "--norc", "--noprofile"]);
        await WaitForScreenAsync(s => s.Contains(LocalPrompt, StringComparison.Ordinal), "the pane's local shell");

        await SendLineAsync($"'{fixture.Binary}' exec -it {id} -- sh -c 'tty; stty size; exit 7'; echo cli-exit=$?");
        string screen = await WaitForScreenAsync(s => CliExit().Match(s).Value.Trim() == "cli-exit=7", "exit code 7 from exec -it");
        Assert.Matches(@"/dev/pts/\d+", screen);
        Assert.Contains("25 90", screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shell_WithoutATerminal_FailsWithAClearMessage()
    {
        string id = await fixture.CreateSandboxAsync();
        CliRun run = await fixture.RunAsync(["shell", id], stdin: []);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not a terminal", run.Stderr, StringComparison.Ordinal);
        CliRun exec = await fixture.RunAsync(["exec", "-it", id, "--", "true"], stdin: []);
        Assert.Equal(2, exec.ExitCode);
        Assert.Contains("not a terminal", exec.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shell_AgainstAStrictService_SaysTheExtensionIsMissing_AndLeavesTheTerminalCooked()
    {
        Dictionary<string, string?> strict = fixture.OwEnvironment(fixture.StrictServer);
        CliRun created = await fixture.RunAsync(["create", "--size", "Small"], null, environment: strict);
        Assert.True(created.ExitCode == 0, created.ToString());
        string id = created.Stdout.Trim();
        await TmuxAsync(["new-session", "-d", "-s", Session, "-x", "150", "-y", "30", "env", $"PS1={LocalPrompt}", "bash", "--norc", "--noprofile"], strict);
        await WaitForScreenAsync(s => s.Contains(LocalPrompt, StringComparison.Ordinal), "the pane's local shell");

        await SendLineAsync($"'{fixture.Binary}' shell {id} 2>&1 | tail -c 300; echo cli-exit=${{PIPESTATUS[0]}}");
        string screen = await WaitForScreenAsync(s => CliExit().IsMatch(s), "the CLI's refusal");
        Assert.Equal("cli-exit=1", CliExit().Match(screen).Value.Trim());
        Assert.Matches(@"(?m)^aotsandbox: .*does not offer interactive terminals.*exec\.pty", screen);
    }

    /// <summary>Types <paramref name="text"/> literally, then Enter.</summary>
    private async Task SendLineAsync(string text)
    {
        await TmuxAsync(["send-keys", "-t", Session, "-l", text]);
        await TmuxAsync(["send-keys", "-t", Session, "Enter"]);
    }

    /// <summary>Polls the pane (with its scrollback) until <paramref name="done"/> holds; fails with the screen otherwise.</summary>
    private async Task<string> WaitForScreenAsync(Func<string, bool> done, string what, string? retypeEvery = null)
    {
        var clock = Stopwatch.StartNew();
        var lastRetype = Stopwatch.StartNew();
        string screen = string.Empty;
        while (clock.Elapsed < Patience)
        {
            screen = await TmuxAsync(["capture-pane", "-p", "-J", "-S", "-300", "-t", Session]);
            if (done(screen))
            {
                return screen;
            }

            if (retypeEvery is not null && lastRetype.Elapsed > TimeSpan.FromSeconds(3))
            {
                // SIGWINCH handling is asynchronous: ask again until the new size shows (bounded by Patience).
                await SendLineAsync(retypeEvery);
                lastRetype.Restart();
            }

            await Task.Delay(100);
        }

        Assert.Fail($"waited {Patience.TotalSeconds:0} s for {what}; the pane shows:\n{screen}");
        return screen;
    }

    private static string LastLine(string screen) =>
        screen.Split('\n').Select(l => l.TrimEnd()).LastOrDefault(l => l.Length > 0) ?? string.Empty;

    private async Task<string> TmuxAsync(string[] args, IDictionary<string, string?>? environment = null, bool check = true)
    {
        var info = new ProcessStartInfo("tmux")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(_socket);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The server inherits the first client's environment: the pane's shell (and the CLI) talk to the fixture's emulator.
        foreach ((string key, string? value) in environment ?? fixture.OwEnvironment())
        {
            info.Environment[key] = value;
        }

        info.Environment["TERM"] = "xterm-256color";
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("tmux is not installed: these tests drive `aotsandbox shell` through it (apt-get install tmux; test.sh installs it)", e);
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (check && process.ExitCode != 0)
            {
                Assert.Fail($"tmux {string.Join(' ', args)} failed (exit {process.ExitCode}): {await stderr}");
            }

            return await stdout;
        }
    }

    /// <summary>The local shell's report of the CLI's exit code (at the start of a line: not the typed command's echo).</summary>
    [GeneratedRegex(@"(?m)^cli-exit=\d+")]
    private static partial Regex CliExit();

    [GeneratedRegex(@"(?m)^42 on /dev/pts/\d+\s*$")]
    private static partial Regex SandboxAnswer();

    [GeneratedRegex(@"(?m)^(-?(icanon|echo|isig|opost) )+:modes\s*$")]
    private static partial Regex ModesLine();
}
