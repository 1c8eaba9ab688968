using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace AotSandbox.Tests.Transport.Support;

/// <summary>
/// Runs tests/AotSandbox.Tests/interop/node/server.js (the `ws` package) on a free loopback port.
/// Needs `node` on PATH and `npm ci` run in that folder (./test.sh does both). Without them the tests FAIL, saying
/// what is missing: a green run must mean the interop tests ran.
/// </summary>
internal sealed class NodeWsServer : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];

    private NodeWsServer(Process process) => _process = process;

    public Uri Uri { get; private set; } = null!;

    /// <summary>Folder holding server.js, found by walking up from the test binaries to the test project.</summary>
    public static string? Folder { get; } = FindFolder();

    public static bool NodeOnPath { get; } = FindNode();

    public static string? MissingReason =>
        !NodeOnPath ? "node is not on PATH"
        : Folder is null ? "tests/AotSandbox.Tests/interop/node was not found"
        : !Directory.Exists(Path.Combine(Folder, "node_modules", "ws")) ? $"the ws package is not installed: run `npm ci` in {Folder}"
        : null;

    public static NodeWsServer Start(TimeSpan timeout)
    {
        if (MissingReason is { } reason)
        {
            throw new InvalidOperationException($"The Node interop server cannot run: {reason}. `./test.sh` installs every prerequisite of the suite.");
        }

        var start = new ProcessStartInfo("node", "server.js 0")
        {
            WorkingDirectory = Folder!,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var server = new NodeWsServer(Process.Start(start)!);
        server._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                server._lines.Add(line);
            }
        };
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        string first = server.NextLine(timeout) ?? throw new TimeoutException("node server.js did not start.");
        int port = int.Parse(first["listening ".Length..], CultureInfo.InvariantCulture);
        server.Uri = new Uri($"ws://127.0.0.1:{port}/api/v1/namespaces/ns/sandboxes/sb/exec");
        return server;
    }

    /// <summary>The next line the server printed, or null on timeout.</summary>
    public string? NextLine(TimeSpan timeout) => _lines.TryTake(out string? line, timeout) ? line : null;

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(2000))
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _lines.Dispose();
    }

    private static string? FindFolder()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "interop", "node");
            if (File.Exists(Path.Combine(candidate, "server.js")))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool FindNode()
    {
        string[] paths = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator);
        return paths.Any(p => File.Exists(Path.Combine(p, "node")) || File.Exists(Path.Combine(p, "node.exe")));
    }
}
