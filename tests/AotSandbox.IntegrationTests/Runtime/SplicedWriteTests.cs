using System.Globalization;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.IntegrationTests.Runtime;

/// <summary>
/// The agent moves a file_write's data from its request pipe into the file with splice(2) once the frame's path has
/// arrived (agent/filewrite.c), one copy per byte instead of two. These tests hold it to that, and to the frames whose
/// write fails before or in the middle of the data: such a frame must still be consumed to its last byte, or every
/// later request would be read from inside it.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class SplicedWriteTests(RuntimeFixture fixture)
{
    [Fact]
    public async Task LargeWrite_GoesFromThePipeIntoTheFile_NotThroughTheAgentsBuffer()
    {
        await using var sandbox = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(), CancellationToken.None);
        var agent = AgentProcess.HostPid(sandbox.Id);
        var data = new byte[8 << 20];
        new Random(11).NextBytes(data);

        var before = ReadIo(agent);
        Assert.Equal(data.Length, await sandbox.WriteFileAsync("spliced.bin", data, 0, true, CancellationToken.None));
        var after = ReadIo(agent);

        // read(2) and write(2) count into /proc/PID/io's rchar and wchar, splice(2) into neither: through a buffer each
        // would grow by the 8 MiB. What may go through it is what arrived with each chunk's header (a 16 KiB read).
        var copied = after.ReadBytes - before.ReadBytes + after.WrittenBytes - before.WrittenBytes;
        Assert.True(copied < data.Length / 8, $"the agent read/wrote {copied} bytes through its buffer for an {data.Length}-byte upload");
        Assert.Equal(data, (await sandbox.ReadFileAsync("spliced.bin", 0, data.Length, CancellationToken.None)).Data);
        Assert.Equal(0, (await sandbox.RunAsync("test \"$(stat -c %s spliced.bin)\" = 8388608")).Exit);
    }

    [Fact]
    public async Task WritesFailingBeforeTheirData_ConsumeTheWholeFrame()
    {
        await using var sandbox = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(), CancellationToken.None);
        var chunk = new byte[1000 * 1024];
        new Random(12).NextBytes(chunk);
        await sandbox.WriteFileAsync("dir/keep", "x"u8.ToArray(), 0, true, CancellationToken.None);

        Assert.Equal("EROFS", (await WriteFails(sandbox, "/usr/pwned", chunk)).Code);
        Assert.Equal("EISDIR", (await WriteFails(sandbox, "dir", chunk)).Code);
        Assert.Equal("EINVAL", (await WriteFails(sandbox, "a\0b", chunk)).Code);
        // A 300-byte name passes the host's 4096-byte path bound and fails in the agent's open (NAME_MAX is 255).
        Assert.Equal("ENAMETOOLONG", (await WriteFails(sandbox, new string('n', 300), chunk)).Code);

        await AssertInStep(sandbox, chunk);
    }

    [Fact]
    public async Task WriteFailingInsideItsData_DropsTheRestOfTheFrame()
    {
        var limits = RuntimeFixture.SmallLimits with { WorkspaceBytes = 8L << 20 };
        await using var sandbox = await fixture.Runtime.StartAsync(RuntimeFixture.NewSpec(limits), CancellationToken.None);
        var data = new byte[12 << 20];
        new Random(13).NextBytes(data);

        // The quota ends the write part-way through a chunk whose data is still arriving in the pipe.
        Assert.Equal("ENOSPC", (await WriteFails(sandbox, "fill.bin", data)).Code);
        var (exit, stdout, _) = await sandbox.RunAsync("stat -c %s fill.bin; rm fill.bin");
        Assert.Equal(0, exit);
        var kept = long.Parse(stdout.Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(kept, 1L << 20, 8L << 20); // some chunks landed before the quota was reached

        await AssertInStep(sandbox, data.AsMemory(0, 1000 * 1024));
    }

    private static Task<SandboxFileException> WriteFails(ISandboxInstance sandbox, string path, ReadOnlyMemory<byte> data) =>
        Assert.ThrowsAsync<SandboxFileException>(() => sandbox.WriteFileAsync(path, data, 0, true, CancellationToken.None).AsTask());

    /// <summary>Every kind of request still answers correctly after the failures: the agent resumed at a frame boundary.</summary>
    private static async Task AssertInStep(ISandboxInstance sandbox, ReadOnlyMemory<byte> chunk)
    {
        Assert.Equal(chunk.Length, await sandbox.WriteFileAsync("after.bin", chunk, 0, true, CancellationToken.None));
        Assert.Equal(chunk.ToArray(), (await sandbox.ReadFileAsync("after.bin", 0, chunk.Length, CancellationToken.None)).Data);
        Assert.Equal("still here\n", (await sandbox.RunAsync("echo still here")).Stdout);
        Assert.Contains(await sandbox.ListFilesAsync(".", CancellationToken.None), e => e.Name == "after.bin");
        Assert.False(sandbox.Terminated.IsCompleted, sandbox.TerminationReason);
    }

    private static (long ReadBytes, long WrittenBytes) ReadIo(int pid)
    {
        var lines = File.ReadAllLines($"/proc/{pid}/io");
        long Field(string name) => long.Parse(lines.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        return (Field("rchar"), Field("wchar"));
    }
}
