using System.Buffers.Binary;
using System.Text;
using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Bubblewrap;

namespace AotSandbox.Tests.Emulator;

/// <summary>
/// Issue 12 item 4, host side: the agent's file_entries frames are untrusted. Whatever a (hostile or buggy) agent
/// sends, one listing collects at most <see cref="ListRequest.MaxEntries"/> entries and
/// <see cref="ListRequest.MaxNameBytes"/> of names, then ends with LIMIT_EXCEEDED.
/// </summary>
public sealed class ListRequestBoundTests
{
    private static byte[] EntriesFrame(bool last, int count, int nameLength)
    {
        byte[] payload = new byte[1 + (count * (11 + nameLength))];
        payload[0] = last ? (byte)1 : (byte)0;
        int at = 1;
        for (int i = 0; i < count; i++)
        {
            payload[at] = (byte)'f';
            BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(at + 1), 0);
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(at + 9), (ushort)nameLength);
            payload.AsSpan(at + 11, nameLength).Fill(1);
            at += 11 + nameLength;
        }

        return payload;
    }

    /// <summary>Feeds frames until the request says it is done; returns how many frames it took.</summary>
    private static int Feed(ListRequest request, int maxFrames, Func<int, byte[]> frame)
    {
        for (int i = 0; i < maxFrames; i++)
        {
            if (request.OnFrame(AgentWire.FileEntries, frame(i)))
            {
                return i + 1;
            }
        }

        return -1;
    }

    [Fact]
    public async Task AnAgentSendingEndlessEntries_IsCutOffAtTheEntryBound()
    {
        var request = new ListRequest();
        int frames = Feed(request, 1000, _ => EntriesFrame(last: false, count: 1000, nameLength: 1));

        Assert.Equal(11, frames); // 10,000 entries fit in 10 frames; the first entry beyond them ends it
        var error = await Assert.ThrowsAsync<SandboxFileException>(() => request.Task);
        Assert.Equal("LIMIT_EXCEEDED", error.Code);
        Assert.Contains("10000 entries", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgentSendingLongNames_IsCutOffAtTheNameByteBound()
    {
        var request = new ListRequest();
        int frames = Feed(request, 1000, _ => EntriesFrame(last: false, count: 1000, nameLength: 255));

        Assert.Equal(3, frames); // 2,056 names of 255 bytes exceed 512 KiB in the third frame
        Assert.Equal("LIMIT_EXCEEDED", (await Assert.ThrowsAsync<SandboxFileException>(() => request.Task)).Code);
    }

    [Fact]
    public async Task TheAgentsOwnBoundError_BecomesLimitExceeded()
    {
        var request = new ListRequest();
        byte[] error = [.. "\u0005E2BIGArgument list too long: the directory has more entries than one listing returns"u8];
        Assert.True(request.OnFrame(AgentWire.Error, error));
        var failure = await Assert.ThrowsAsync<SandboxFileException>(() => request.Task);
        Assert.Equal("LIMIT_EXCEEDED", failure.Code);
    }

    [Fact]
    public async Task AListingAtTheBounds_IsReturnedWhole()
    {
        var request = new ListRequest();
        Assert.Equal(10, Feed(request, 10, i => EntriesFrame(last: i == 9, count: 1000, nameLength: 52)));
        IReadOnlyList<SandboxFileEntry> entries = await request.Task;
        Assert.Equal(10_000, entries.Count);
        Assert.Equal(Encoding.UTF8.GetString(new byte[52].AsSpan().ToArray().Select(_ => (byte)1).ToArray()), entries[0].Name);
    }
}
