using Xunit.Sdk;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// The battery's guard against vacuous passes (issue 12): a probe whose tool is missing or whose Python is broken must
/// fail the test, never count as "the attack was refused"; and a refusal for the wrong reason must fail too.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class ProbeTests(SecurityFixture fixture) : Battery(fixture)
{
    [Fact]
    public async Task ProbesThatNeverRan_FailTheTest_InARealSandbox()
    {
        Sandbox sb = await NewSandboxAsync();
        foreach (string command in new[]
        {
            "mountt -t tmpfs none /workspace",                  // misspelt tool: exit 127
            "nosuch-tool --flush; true",                        // "not found" hidden behind a zero exit
            "python3 -c 'import nosuchmodule'",                 // ImportError
            "python3 -c 'import ctypes; ctypes.CDLL(None).mount('", // SyntaxError
            "python3 /workspace/missing-probe.py",              // can't open file
            "touch x.sh && ./x.sh",                             // not executable: exit 126
        })
        {
            XunitException e = await Assert.ThrowsAnyAsync<XunitException>(() => AttackAsync(sb, command));
            Assert.Contains("probe did not run its attack", e.Message, StringComparison.Ordinal);
        }

        // A Python probe with a broken body (a NameError) fails the same way, also through the prelude.
        await Assert.ThrowsAnyAsync<XunitException>(() => PythonProbeAsync(sb, "libcall('mount', libc.mount, b'none', b'/workspace', b'tmpfs', 0, None)\nundefined_name()"));
        await Assert.ThrowsAnyAsync<XunitException>(() => PythonProbeAsync(sb, "import nosuchmodule"));

        // The same attacks spelled correctly reach the kernel and name its reason.
        (await AttackAsync(sb, "unshare -m true")).AssertRefused("EPERM");
        ProbeOutcome mount = await PythonProbeAsync(sb, "libcall('mount', libc.mount, b'none', b'/workspace', b'tmpfs', 0, None)");
        Assert.True(mount.ReachedKernel, mount.ToString());
        mount.AssertEachRefused(["mount"], "EPERM");
    }

    [Fact]
    public async Task ARefusalForTheWrongReason_OrASuccess_FailsTheAssertion()
    {
        Sandbox sb = await NewSandboxAsync();
        ProbeOutcome eperm = await AttackAsync(sb, "unshare -m true");
        Assert.ThrowsAny<XunitException>(() => eperm.AssertRefused("EACCES"));
        ProbeOutcome absent = await AttackAsync(sb, "ls /no-such-dir");
        Assert.False(absent.Errno is "EPERM" or "EACCES");
        Assert.ThrowsAny<XunitException>(() => absent.AssertRefused("EPERM", "EACCES"));
        ProbeOutcome succeeded = await AttackAsync(sb, "touch /workspace/fine");
        Assert.ThrowsAny<XunitException>(() => succeeded.AssertRefused("EPERM"));
        ProbeOutcome python = await PythonProbeAsync(sb, "attempt('workspace-write', lambda: open('/workspace/ok', 'w').close())\nattempt('usr-write', lambda: open('/usr/x', 'w'))");
        Assert.ThrowsAny<XunitException>(() => python.AssertEachRefused(["workspace-write"], "EROFS"));
        Assert.ThrowsAny<XunitException>(() => python.AssertEachRefused(["not-reported"], "EROFS"));
        python.AssertEachRefused(["usr-write"], "EROFS");
    }

    [Theory]
    [InlineData(127, "", "sh: 1: ip: not found\n")]
    [InlineData(0, "", "sh: 1: nft: not found\n")]
    [InlineData(2, "", "bash: iptables: command not found\n")]
    [InlineData(126, "", "sh: 1: ./probe: Permission denied\n")]
    [InlineData(1, "", "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\nModuleNotFoundError: No module named 'x'\n")]
    [InlineData(1, "", "  File \"p.py\", line 1\n    (\n    ^\nSyntaxError: '(' was never closed\n")]
    [InlineData(2, "", "python3: can't open file '/workspace/p.py': [Errno 2] No such file or directory\n")]
    public void Classify_RejectsEveryNotRunShape(int exit, string stdout, string stderr) =>
        Assert.ThrowsAny<XunitException>(() => Probe.Classify("probe", exit, stdout, stderr));

    [Theory]
    [InlineData(2, "", "RTNETLINK answers: Operation not permitted\n", "EPERM")]
    [InlineData(1, "", "unshare: unshare failed: No space left on device\n", "ENOSPC")]
    [InlineData(1, "", "touch: cannot touch '/usr/x': Read-only file system\n", "EROFS")]
    [InlineData(0, "mount EPERM\nrename EXDEV\n", "", "EPERM")]
    [InlineData(0, "connect OK\n", "", null)]
    public void Classify_NamesTheKernelsReason(int exit, string stdout, string stderr, string? errno) =>
        Assert.Equal(errno, Probe.Classify("probe", exit, stdout, stderr).Errno);
}
