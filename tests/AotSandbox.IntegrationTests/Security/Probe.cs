using System.Text.RegularExpressions;
using AotSandbox.Emulator.Runtime;
using Xunit.Sdk;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// What one attack probe did, classified so an assertion can tell "the kernel refused it" from "it never ran".
/// <see cref="Errno"/> is the errno name the probe reported (a Python probe's <c>name ERRNO</c> lines, see
/// <see cref="Probe.Python"/>) or the one whose strerror text a command printed on stderr; <see cref="Results"/> holds
/// each line of a multi-attack Python probe.
/// </summary>
public sealed record ProbeOutcome(string Command, int? ExitCode, string Stdout, string Stderr, string? Errno, IReadOnlyDictionary<string, string> Results)
{
    /// <summary>The attempt got as far as a system call and the kernel answered with an error code.</summary>
    public bool ReachedKernel => Errno is not null;

    public override string ToString() => $"`{Command}` exit {ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (sandbox destroyed)"}, errno {Errno ?? "none"}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// Runs attack probes and refuses vacuous outcomes. An attack that "fails" because its tool is missing (exit 127,
/// "not found"), not executable (126), or because the Python probe itself broke (ImportError, SyntaxError, an uncaught
/// traceback) proves nothing about the sandbox, so <see cref="Classify"/> turns each of those into a test failure
/// instead of letting a non-zero exit pass for a refusal.
/// </summary>
public static partial class Probe
{
    /// <summary>
    /// Prepended to every Python probe: <c>attempt(name, fn)</c> and <c>syscall(name, nr, *args)</c> print one line
    /// <c>name OK</c> or <c>name EPERM</c> (the errno's symbolic name), so a refusal names its reason.
    /// </summary>
    public const string Python = """
        import ctypes, errno, os, socket, sys
        libc = ctypes.CDLL(None, use_errno=True)
        def _name(e): return errno.errorcode.get(e, 'E%d' % e)
        def attempt(name, fn):
            try:
                fn(); print(name, 'OK', flush=True)
            except OSError as e:
                print(name, _name(e.errno) if e.errno else type(e).__name__, flush=True)
        def syscall(name, nr, *args):
            ctypes.set_errno(0); r = libc.syscall(nr, *args)
            print(name, 'OK' if r != -1 else _name(ctypes.get_errno()), flush=True)
        def libcall(name, fn, *args):
            ctypes.set_errno(0); r = fn(*args)
            print(name, 'OK' if r != -1 else _name(ctypes.get_errno()), flush=True)

        """;

    /// <summary>strerror texts (glibc) of the errnos the battery expects, for commands that report a failed call on stderr.</summary>
    private static readonly (string Errno, string Text)[] StrError =
    [
        ("EPERM", "Operation not permitted"), ("EACCES", "Permission denied"), ("EROFS", "Read-only file system"),
        ("ENOSYS", "Function not implemented"), ("ENOSPC", "No space left on device"), ("EBUSY", "Device or resource busy"),
        ("EXDEV", "Invalid cross-device link"), ("E2BIG", "Argument list too long"), ("EINVAL", "Invalid argument"),
        ("ENETUNREACH", "Network is unreachable"), ("ECONNREFUSED", "Connection refused"), ("ENXIO", "No such device or address"),
        ("ENOENT", "No such file or directory"),
        // procps sysctl's own wording, printed only when its write of the /proc/sys file fails with EACCES.
        ("EACCES", "permission denied on key"),
    ];

    /// <summary>Output that means the probe never ran its attack: a missing tool (dash, bash), a broken Python probe.</summary>
    [GeneratedRegex(@"^(sh|bash|/bin/sh): (\d+: )?[^\n]*: (not found|command not found)$|command not found|No module named|ImportError|ModuleNotFoundError|SyntaxError|IndentationError|NameError|Traceback \(most recent call last\)|can't open file", RegexOptions.Multiline)]
    private static partial Regex NotRun();

    [GeneratedRegex(@"^(\S+) (OK|E[A-Z0-9]+|[A-Za-z]+Error)$", RegexOptions.Multiline)]
    private static partial Regex ResultLine();

    /// <summary>
    /// Classifies a finished probe; throws (a test failure) when the probe did not run its attack at all: exit
    /// 126/127, "not found", a Python import/syntax/name error or an uncaught traceback.
    /// </summary>
    public static ProbeOutcome Classify(string command, int? exitCode, string stdout, string stderr)
    {
        Match notRun = NotRun().Match(stderr);
        if (exitCode is 126 or 127 || notRun.Success)
        {
            throw new XunitException(
                $"probe did not run its attack (exit {exitCode}{(notRun.Success ? ", \"" + notRun.Value + "\"" : "")}): a missing tool or a broken probe is a test failure, never a refusal.\n" +
                $"command: {command}\nstdout: {stdout}\nstderr: {stderr}");
        }

        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match line in ResultLine().Matches(stdout))
        {
            results[line.Groups[1].Value] = line.Groups[2].Value;
        }

        string? errno = results.Values.FirstOrDefault(v => v.StartsWith('E') && v != "OK")
            ?? StrError.Where(e => stderr.Contains(e.Text, StringComparison.Ordinal)).Select(e => e.Errno).FirstOrDefault();
        return new ProbeOutcome(command, exitCode, stdout, stderr, errno, results);
    }

    /// <summary>Asserts the attack failed (non-zero exit) because the kernel answered one of <paramref name="errnos"/>.</summary>
    public static ProbeOutcome AssertRefused(this ProbeOutcome outcome, params string[] errnos)
    {
        Assert.True(outcome.ExitCode is not null and not 0, "the attack succeeded (or never finished): " + outcome);
        Assert.True(outcome.ReachedKernel && errnos.Contains(outcome.Errno), $"expected refusal with {string.Join("/", errnos)}: {outcome}");
        return outcome;
    }

    /// <summary>Asserts that every attack of a multi-attack Python probe ran and was refused with one of <paramref name="errnos"/>.</summary>
    public static ProbeOutcome AssertEachRefused(this ProbeOutcome outcome, string[] names, params string[] errnos)
    {
        foreach (string name in names)
        {
            Assert.True(outcome.Results.TryGetValue(name, out string? result), $"probe reported nothing for {name}: {outcome}");
            Assert.True(errnos.Contains(result), $"{name}: {result}, expected {string.Join("/", errnos)}: {outcome}");
        }

        return outcome;
    }

    /// <summary>The result (OK or an errno name) a multi-attack Python probe reported for <paramref name="name"/>.</summary>
    public static string Result(this ProbeOutcome outcome, string name) =>
        outcome.Results.TryGetValue(name, out string? result) ? result : throw new XunitException($"probe reported nothing for {name}: {outcome}");

    /// <summary>Runtime-level probe (no SDK): runs <paramref name="command"/> in the sandbox and classifies it.</summary>
    internal static async Task<ProbeOutcome> ProbeAsync(this ISandboxInstance sandbox, string command)
    {
        (int exit, string stdout, string stderr) = await AotSandbox.IntegrationTests.Runtime.SandboxExtensions.RunAsync(sandbox, command);
        return Classify(command, exit, stdout, stderr);
    }

    /// <summary>Runtime-level Python probe: writes <see cref="Python"/> + <paramref name="script"/> into the sandbox and runs it.</summary>
    internal static async Task<ProbeOutcome> PythonProbeAsync(this ISandboxInstance sandbox, string script)
    {
        string name = "probe-" + Guid.NewGuid().ToString("N")[..8] + ".py";
        await sandbox.WriteFileAsync(name, System.Text.Encoding.UTF8.GetBytes(Python + script), 0, true, CancellationToken.None);
        return await sandbox.ProbeAsync("python3 " + name);
    }
}
