using System.Buffers;
using System.Text;
using AotSandbox.Protocol;
using AotSandbox.Tests.Fuzz;

namespace AotSandbox.Tests.Sdk;

/// <summary>The SDK's side of the file.binary envelope (docs/PROTOCOL.md §4.7): prefix writer and splitter.</summary>
public sealed class BinaryFileFrameTests
{
    [Fact]
    public void WritePrefix_IsMarkerReservedAndBigEndianLength()
    {
        byte[] prefix = new byte[4];
        BinaryFileFrame.WritePrefix(prefix, 0x1234);
        Assert.Equal(new byte[] { 0xB1, 0, 0x12, 0x34 }, prefix);
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryFileFrame.WritePrefix(prefix, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryFileFrame.WritePrefix(prefix, BinaryFileFrame.MaxHeaderBytes + 1));
    }

    [Fact]
    public void TrySplit_AcrossSegments_ReturnsHeaderAndData()
    {
        byte[] message = [0xB1, 0, 0, 2, (byte)'{', (byte)'}', 1, 2, 3];
        for (int cut = 0; cut <= message.Length; cut++)
        {
            Assert.True(BinaryFileFrame.TrySplit(FuzzSupport.Split(message, [cut]), out ReadOnlySequence<byte> header, out ReadOnlySequence<byte> data));
            Assert.Equal("{}", Encoding.UTF8.GetString(header.ToArray()));
            Assert.Equal(new byte[] { 1, 2, 3 }, data.ToArray());
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xB1, 0, 0 })]
    [InlineData(new byte[] { 0xB2, 0, 0, 2, 1, 1 })]
    [InlineData(new byte[] { 0xB1, 1, 0, 2, 1, 1 })]
    [InlineData(new byte[] { 0xB1, 0, 0, 1, 1 })]
    [InlineData(new byte[] { 0xB1, 0, 0, 3, 1, 1 })]
    [InlineData(new byte[] { 0xB1, 0, 0x80, 1, 1, 1 })]
    [InlineData(new byte[] { 0xB1, 0, 0, 4, (byte)'"', 0xC3, 0x28, (byte)'"' })]
    public void TrySplit_BrokenPrefix_IsRefused(byte[] message) =>
        Assert.False(BinaryFileFrame.TrySplit(new ReadOnlySequence<byte>(message), out _, out _));

    [Fact]
    public void FrameBuilder_EnvelopeHead_PrefixesTheJsonHeader()
    {
        using var builder = new FrameBuilder();
        builder.Buffer.Advance(BinaryFileFrame.PrefixLength);
        ClientFrameWriter.WriteFileWriteHeader(builder.Writer, "file-1", "a/b.bin", 524288);

        Assert.True(builder.CompleteEnvelopeHead());
        byte[] head = builder.Buffer.WrittenMemory.ToArray();
        const string Json = "{\"type\":\"file.write\",\"execId\":\"file-1\",\"path\":\"a/b.bin\",\"offset\":524288}";
        Assert.Equal([0xB1, 0, 0, (byte)Json.Length, .. Encoding.UTF8.GetBytes(Json)], head);
    }

    [Fact]
    public void FrameBuilder_EnvelopeHead_RefusesAHeaderBeyondTheBound()
    {
        using var builder = new FrameBuilder();
        builder.Buffer.Advance(BinaryFileFrame.PrefixLength);
        ClientFrameWriter.WriteFileWriteHeader(builder.Writer, "file-1", new string('a', BinaryFileFrame.MaxHeaderBytes));

        Assert.False(builder.CompleteEnvelopeHead());
    }
}
