using System.Diagnostics;
using System.Runtime.InteropServices;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// TEST-ONLY stand-in for the bubblewrap runtime: runs commands as plain host processes (no isolation at all) in a
/// temporary directory that plays /workspace. It exists so the REST/WebSocket layer can be tested before the real
/// runtime is merged; it is never shipped.
/// </summary>
internal sealed class FakeHostProcessRuntime : ISandboxRuntime
{
    private readonly List<FakeSandboxInstance> _instances = [];

    public IReadOnlyList<FakeSandboxInstance> Instances
    {
        get
        {
            lock (_instances)
            {
                return [.. _instances];
            }
        }
    }

    public void CheckPrerequisites()
    {
    }

    public Task SweepLeftoversAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>How long a start takes; it does not observe cancellation (like a start step that cannot be interrupted).</summary>
    public TimeSpan StartDelay { get; set; }

    public async Task<ISandboxInstance> StartAsync(SandboxSpec spec, CancellationToken cancellationToken)
    {
        var instance = new FakeSandboxInstance(spec);
        lock (_instances)
        {
            _instances.Add(instance);
        }

        if (StartDelay > TimeSpan.Zero)
        {
            await Task.Delay(StartDelay, CancellationToken.None);
        }

        return instance;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (FakeSandboxInstance instance in Instances)
        {
            await instance.DisposeAsync();
        }
    }
}

/// <summary>One fake sandbox: a directory and the host processes started for it.</summary>
internal sealed class FakeSandboxInstance : ISandboxInstance
{
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<FakeProcess> _processes = [];
    private readonly string _root;

    public FakeSandboxInstance(SandboxSpec spec)
    {
        Id = spec.Id;
        Spec = spec;
        _root = Path.Combine(Path.GetTempPath(), "aotsb-fake-" + spec.Id);
        Directory.CreateDirectory(Path.Combine(_root, "workspace"));
    }

    public string Id { get; }

    public SandboxSpec Spec { get; }

    public bool Disposed { get; private set; }

    public string NetworkNamespacePath => "/proc/self/ns/net";

    public Task Terminated => _terminated.Task;

    /// <summary>Simulates the sandbox's init dying.</summary>
    public void Crash() => _terminated.TrySetResult();

    /// <summary>Envs given at claim; they win over <see cref="SandboxSpec.Environment"/>.</summary>
    public Dictionary<string, string> ClaimedEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>The limits given at claim (null before).</summary>
    public SandboxLimits? ClaimedLimits { get; private set; }

    public ValueTask ClaimAsync(SandboxLimits limits, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        ClaimedLimits = limits;
        foreach ((string name, string value) in environment)
        {
            ClaimedEnvironment[name] = value;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<SandboxProcess> SpawnAsync(string command, IProcessSink sink, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("/usr/bin/setsid")
        {
            WorkingDirectory = Path.Combine(_root, "workspace"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        foreach ((string name, string value) in Spec.Environment.Concat(ClaimedEnvironment))
        {
            info.Environment[name] = value;
        }

        var process = new FakeProcess(Process.Start(info)!, sink);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return ValueTask.FromResult<SandboxProcess>(process);
    }

    public async ValueTask<FileReadResult> ReadFileAsync(string path, long offset, int count, CancellationToken cancellationToken)
    {
        string full = Resolve(path);
        if (Directory.Exists(full))
        {
            throw new SandboxFileException("EISDIR", "is a directory: " + path);
        }

        if (!File.Exists(full))
        {
            throw new SandboxFileException("ENOENT", "no such file: " + path);
        }

        await using var stream = File.OpenRead(full);
        stream.Position = Math.Min(offset, stream.Length);
        byte[] buffer = new byte[(int)Math.Min(count, Math.Max(0, stream.Length - stream.Position))];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return new FileReadResult(buffer, stream.Length);
    }

    public async ValueTask<long> WriteFileAsync(string path, ReadOnlyMemory<byte> content, long offset, bool truncate, CancellationToken cancellationToken)
    {
        string full = Resolve(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await using var stream = new FileStream(full, truncate ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.Write);
        stream.Position = offset;
        await stream.WriteAsync(content, cancellationToken);
        return stream.Length;
    }

    public ValueTask<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(string path, CancellationToken cancellationToken)
    {
        string full = Resolve(path);
        if (!Directory.Exists(full))
        {
            throw new SandboxFileException("ENOENT", "no such directory: " + path);
        }

        var entries = new DirectoryInfo(full).EnumerateFileSystemInfos()
            .Select(i => new SandboxFileEntry(i.Name, i is DirectoryInfo, i is FileInfo f ? f.Length : 0))
            .ToList();
        return ValueTask.FromResult<IReadOnlyList<SandboxFileEntry>>(entries);
    }

    public async ValueTask DisposeAsync()
    {
        Disposed = true;
        FakeProcess[] processes;
        lock (_processes)
        {
            processes = [.. _processes];
        }

        foreach (FakeProcess process in processes)
        {
            await process.SignalTreeAsync(9, CancellationToken.None);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Resolve(string path) =>
        path.StartsWith('/') ? Path.Combine(_root, path.TrimStart('/')) : Path.Combine(_root, "workspace", path);
}

/// <summary>A host process group; output pumped to the sink in order, exit after the output (or after a short drain if a child keeps the pipes).</summary>
internal sealed partial class FakeProcess : SandboxProcess
{
    private readonly Process _process;
    private readonly IProcessSink _sink;
    private readonly SemaphoreSlim _sinkOrder = new(1, 1);

    public FakeProcess(Process process, IProcessSink sink)
    {
        _process = process;
        _sink = sink;
        Task stdout = PumpAsync(process.StandardOutput.BaseStream, 1);
        Task stderr = PumpAsync(process.StandardError.BaseStream, 2);
        _ = ReportExitAsync(stdout, stderr);
    }

    public override int Pid => _process.Id;

    public override async ValueTask WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _process.StandardInput.BaseStream.WriteAsync(data, cancellationToken);
        await _process.StandardInput.BaseStream.FlushAsync(cancellationToken);
    }

    public override ValueTask CloseStdinAsync(CancellationToken cancellationToken)
    {
        _process.StandardInput.Close();
        return ValueTask.CompletedTask;
    }

    public override async ValueTask SignalTreeAsync(int signal, CancellationToken cancellationToken)
    {
        // Right after the spawn, setsid(1) may not have created the process group yet (kill(-pid) → ESRCH) and the
        // signal was lost under load: retry briefly until the group exists or the process is gone.
        for (int attempt = 0; attempt < 100; attempt++)
        {
            if (Kill(-_process.Id, signal) == 0 || _process.HasExited)
            {
                return;
            }

            await Task.Delay(10, cancellationToken);
        }

        _ = Kill(_process.Id, signal);
    }

    private async Task PumpAsync(Stream stream, int streamNumber)
    {
        byte[] buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            await _sinkOrder.WaitAsync();
            try
            {
                await _sink.OnOutputAsync(streamNumber, buffer.AsMemory(0, read));
            }
            finally
            {
                _sinkOrder.Release();
            }
        }
    }

    private async Task ReportExitAsync(Task stdout, Task stderr)
    {
        await _process.WaitForExitAsync();
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(300));
        await _sinkOrder.WaitAsync();
        try
        {
            await _sink.OnExitAsync(_process.ExitCode);
        }
        finally
        {
            _sinkOrder.Release();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
