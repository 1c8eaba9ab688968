namespace AotSandbox.Samples;

/// <summary>Python SDK README, "Files": write, read (text and bytes), list, then run the script.</summary>
internal static class FilesSample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = "my-sandbox" });
        const string script = "console.log('hello from sandbox script', process.version)\n";
        await sandbox.WriteFileAsync("hello.js", script);

        string content = await sandbox.ReadFileAsync("hello.js");
        Console.WriteLine($"read_file content: {content.Trim()}");

        byte[] binary = [0, 1, 2, 253, 254, 255];
        await sandbox.WriteFileAsync("data/blob.bin", binary);
        byte[] back = await sandbox.ReadFileBytesAsync("data/blob.bin");
        Console.WriteLine($"binary round trip: {back.AsSpan().SequenceEqual(binary)}");

        IReadOnlyList<FileEntry> entries = await sandbox.ListFilesAsync(".");
        Console.WriteLine($"list_files entries: {string.Join(", ", entries.Select(e => $"{e.Name} ({e.Type}{(e.Size is long size ? $", {size} B" : "")})"))}");

        ExecResult result = await sandbox.Exec("node hello.js", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
        Console.WriteLine($"stdout: {result.Stdout.Trim()}");
        Console.WriteLine($"stderr: {result.Stderr.Trim()}");
        Console.WriteLine($"exit code: {result.ExitCode}");
        await sandbox.DestroyAsync();
    }
}
