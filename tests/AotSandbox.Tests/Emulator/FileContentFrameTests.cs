using System.Security.Cryptography;
using System.Text.Json;
using AotSandbox.Emulator.DataPlane;

namespace AotSandbox.Tests.Emulator;

public sealed class FileContentFrameTests
{
    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(512 * 1024, true)]
    public void FileContent_CarriesTheBytesAndTheProtocolFields(int length, bool ranged)
    {
        byte[] content = RandomNumberGenerator.GetBytes(length);
        FileRange? range = ranged ? new FileRange(1024, 1024 + length + 5) : null;
        using JsonDocument doc = JsonDocument.Parse(ServerFrames.FileContent("file-\"1", content, range));
        JsonElement root = doc.RootElement;
        string[] expected = ranged
            ? ["type", "execId", "content", "encoding", "offset", "size", "eof"]
            : ["type", "execId", "content", "encoding"];
        Assert.Equal(expected, root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("file.content", root.GetProperty("type").GetString());
        Assert.Equal("file-\"1", root.GetProperty("execId").GetString());
        Assert.Equal(content, root.GetProperty("content").GetBytesFromBase64());
        Assert.Equal("base64", root.GetProperty("encoding").GetString());
        if (ranged)
        {
            Assert.Equal(1024, root.GetProperty("offset").GetInt64());
            Assert.Equal(1024 + length + 5, root.GetProperty("size").GetInt64());
            Assert.False(root.GetProperty("eof").GetBoolean());
        }
    }

    /// <summary>
    /// A download chunk costs its frame and nothing else: the base64 goes straight into the frame's array, with no
    /// zeroed growable buffer copied out at the end (memset, page faults and memmove in the files profile).
    /// </summary>
    [Fact]
    public void FileContent_OfAFullRange_AllocatesOnlyTheFrame()
    {
        byte[] content = RandomNumberGenerator.GetBytes(DataPlaneLimits.MaxRangeReadBytes);
        for (int i = 0; i < 3; i++)
        {
            ServerFrames.FileContent("file-1", content, new FileRange(0, content.Length)); // warm-up
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        byte[] frame = ServerFrames.FileContent("file-1", content, new FileRange(0, content.Length));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= frame.Length + 1024, $"building one file.content frame of {frame.Length} bytes allocated {allocated} bytes");
    }
}
