using System.Buffers;
using AotSandbox.Protocol.WebSocket;

namespace AotSandbox.Tests.Transport;

public class WebSocketFrameWriterTests
{
    [Theory]
    [InlineData(0L, 6)]
    [InlineData(125L, 6)]
    [InlineData(126L, 8)]
    [InlineData(65535L, 8)]
    [InlineData(65536L, 14)]
    [InlineData(long.MaxValue, 14)]
    public void WriteClientHeader_RoundTripsThroughServerRoleParser(long length, int expectedHeaderLength)
    {
        Span<byte> buffer = stackalloc byte[WebSocketFrameWriter.MaxClientHeaderLength];
        int written = WebSocketFrameWriter.WriteClientHeader(buffer, WebSocketOpcode.Binary, fin: false, length, 0x01020304);
        Assert.Equal(expectedHeaderLength, written);
        Assert.Equal(expectedHeaderLength, WebSocketFrameWriter.GetClientHeaderLength(length));

        Assert.Equal(OperationStatus.Done, WebSocketFrameParser.TryParse(buffer[..written], expectMasked: true, out WebSocketFrameHeader header, out int consumed, out _));
        Assert.Equal(new WebSocketFrameHeader(false, 0, WebSocketOpcode.Binary, true, 0x01020304, length, written), header);
        Assert.Equal(written, consumed);
    }

    [Fact]
    public void WriteClientHeader_DestinationTooSmall_Throws()
        => Assert.Throws<ArgumentException>(() => WebSocketFrameWriter.WriteClientHeader(new byte[5], WebSocketOpcode.Text, true, 1, 0));
}
