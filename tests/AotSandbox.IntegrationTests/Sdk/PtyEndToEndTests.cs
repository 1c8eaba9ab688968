using System.Text;

namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// The exec.pty extension through the SDK against real sandboxes (docs/PROTOCOL.md §4.5): a real terminal inside the
/// sandbox, keystrokes in, raw bytes out, resizes reaching the command, the exit code back.
/// </summary>
[Collection(PtyEmulatorCollection.Name)]
public sealed class PtyEndToEndTests(PtyEmulatorFixture emulator) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private Sandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await Sandbox.CreateAsync(emulator.Create("pty-tests"));

    public async Task DisposeAsync() => await _sandbox.DestroyAsync();

    [Fact]
    public async Task Pty_IsAdvertised_AndTheCommandSeesATerminalOfTheAskedSize()
    {
        Assert.Contains(SandboxExtensionNames.ExecPty, _sandbox.Extensions);
        var screen = new TerminalCapture();
        PtyCommand pty = await _sandbox.StartPtyAsync("tty; stty size; test -t 0 && test -t 1 && test -t 2 && echo all-tty; exit 5", 33, 111, screen.Append);

        Assert.Equal(5, await pty.WaitAsync().WaitAsync(Patience));
        string text = screen.Text;
        // pts/0 in a fresh sandbox: its devpts is a private instance (the host's terminals are neither visible nor counted).
        Assert.Contains("/dev/pts/0\r\n", text, StringComparison.Ordinal);
        Assert.Contains("33 111\r\n", text, StringComparison.Ordinal); // \r\n: the terminal's output processing (onlcr) ran
        Assert.Contains("all-tty", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keystrokes_Resize_CtrlC_AndExitCode_ThroughAnInteractiveShell()
    {
        var screen = new TerminalCapture();
        PtyCommand pty = await _sandbox.StartPtyAsync("exec bash --norc --noprofile -i", 24, 80, screen.Append);

        await pty.WriteAsync("echo $((6*7))\r"u8.ToArray());
        await screen.WaitForAsync("42\r\n");

        await pty.ResizeAsync(30, 100);
        await pty.WriteAsync("stty size\r"u8.ToArray());
        await screen.WaitForAsync("30 100\r\n");

        // Ctrl-C typed into the terminal interrupts the foreground job (the shell survives and reports 130).
        await pty.WriteAsync("sleep 60\r"u8.ToArray());
        await Task.Delay(500);
        await pty.WriteAsync(new byte[] { 0x03 });
        await pty.WriteAsync("echo status=$?\r"u8.ToArray());
        await screen.WaitForAsync("status=130");

        await pty.WriteAsync("exit 3\r"u8.ToArray());
        Assert.Equal(3, await pty.WaitAsync().WaitAsync(Patience));
    }

    [Fact]
    public async Task RawBytes_PassUnchanged_BothWays()
    {
        // Not UTF-8: a decoder would turn these into U+FFFD. `stty raw -echo` so the terminal adds nothing of its own.
        var screen = new TerminalCapture();
        PtyCommand pty = await _sandbox.StartPtyAsync("stty raw -echo; head -c 4 | od -An -tx1; printf '\\377\\376\\001'", 24, 80, screen.Append);
        await pty.WriteAsync(new byte[] { 0xff, 0x00, 0xc3, 0x28 });

        Assert.Equal(0, await pty.WaitAsync().WaitAsync(Patience));
        Assert.Contains("ff 00 c3 28", screen.Text, StringComparison.Ordinal);
        Assert.True(screen.Bytes.AsSpan().IndexOf(new byte[] { 0xff, 0xfe, 0x01 }) >= 0, "the raw bytes 0xff 0xfe 0x01 did not arrive unchanged");
    }

    [Fact]
    public async Task InvalidSizes_AreRefusedBeforeAnythingIsSent()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _sandbox.StartPtyAsync("true", 0, 80, _ => { }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _sandbox.StartPtyAsync("true", 24, 1001, _ => { }));
        PtyCommand pty = await _sandbox.StartPtyAsync("sleep 30", 24, 80, _ => { });
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pty.ResizeAsync(24, 0));
        await pty.KillAsync("SIGKILL");
        Assert.Equal(137, await pty.WaitAsync().WaitAsync(Patience));
    }

    [Fact]
    public async Task Commands_StartWithDefaultSignalDispositions_WhateverTheEmulatorIgnores()
    {
        // An emulator started as a background job of a script ignores SIGINT and SIGQUIT, and ignored dispositions are
        // inherited through bwrap and the agent: an interactive shell that starts with SIGINT ignored can never be
        // interrupted with Ctrl-C. Here this process ignores an otherwise unused signal (50) while a new sandbox starts;
        // the commands in it must still see every disposition at its default.
        const int UnusedSignal = 50;
        Assert.NotEqual(-1, Signal(UnusedSignal, SigIgn));
        Sandbox sandbox;
        try
        {
            sandbox = await Sandbox.CreateAsync(emulator.Create("pty-signals"));
        }
        finally
        {
            Signal(UnusedSignal, SigDfl);
        }

        try
        {
            ExecResult piped = await sandbox.Exec("grep SigIgn /proc/self/status", new ExecOptions { Timeout = Patience });
            Assert.Equal("SigIgn:\t0000000000000000\n", piped.Stdout);
            var screen = new TerminalCapture();
            PtyCommand pty = await sandbox.StartPtyAsync("grep SigIgn /proc/self/status", 24, 80, screen.Append);
            Assert.Equal(0, await pty.WaitAsync().WaitAsync(Patience));
            Assert.Contains("SigIgn:\t0000000000000000\r\n", screen.Text, StringComparison.Ordinal);
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }

    private static readonly nint SigIgn = 1;
    private static readonly nint SigDfl = 0;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "signal")]
    private static extern nint Signal(int signal, nint handler);

    /// <summary>Collects a terminal's bytes (the handler runs on the receive loop) and waits for text to appear.</summary>
    private sealed class TerminalCapture
    {
        private readonly Lock _gate = new();
        private readonly List<byte> _bytes = [];

        public byte[] Bytes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _bytes];
                }
            }
        }

        public string Text => Encoding.Latin1.GetString(Bytes);

        public void Append(ReadOnlySpan<byte> data)
        {
            lock (_gate)
            {
                _bytes.AddRange(data);
            }
        }

        public async Task WaitForAsync(string expected)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (!Text.Contains(expected, StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"'{expected}' never appeared on the terminal; it shows:\n{Text}");
                await Task.Delay(50);
            }
        }
    }
}

/// <summary>Against the strict-protocol emulator, which advertises nothing: the SDK refuses before sending.</summary>
[Collection(PtyStrictEmulatorCollection.Name)]
public sealed class PtyStrictEndToEndTests(PtyStrictEmulatorFixture emulator)
{
    [Fact]
    public async Task StartPty_ThrowsNotSupported_NamingTheExtension()
    {
        await using Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("pty-strict"));
        try
        {
            Assert.DoesNotContain(SandboxExtensionNames.ExecPty, sandbox.Extensions);
            var error = await Assert.ThrowsAsync<NotSupportedException>(() => sandbox.StartPtyAsync("bash", 24, 80, _ => { }));
            Assert.Contains("exec.pty", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, (await sandbox.Exec("true")).ExitCode); // the connection is fine for everything else
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }
}

/// <summary>The pty tests' own emulator: uids 658000..658063, its own state root, cgroup parent and netns prefix.</summary>
public sealed class PtyEmulatorFixture : SdkEmulatorFixture
{
    public PtyEmulatorFixture()
        : base(strictProtocol: false, "aotsb-shelltest", "shelt-", 658000, "shell-tests")
    {
    }
}

/// <summary>Strict mode for the pty tests: uids 658064..658127.</summary>
public sealed class PtyStrictEmulatorFixture : SdkEmulatorFixture
{
    public PtyStrictEmulatorFixture()
        : base(strictProtocol: true, "aotsb-shelltest-strict", "shelts-", 658064, "shell-strict")
    {
    }
}

[CollectionDefinition(Name)]
public sealed class PtyEmulatorCollection : ICollectionFixture<PtyEmulatorFixture>
{
    public const string Name = "SDK terminals against the emulator";
}

[CollectionDefinition(Name)]
public sealed class PtyStrictEmulatorCollection : ICollectionFixture<PtyStrictEmulatorFixture>
{
    public const string Name = "SDK terminals against the strict-protocol emulator";
}
