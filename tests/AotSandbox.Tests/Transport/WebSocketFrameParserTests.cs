using System.Buffers;
using System.Buffers.Binary;
using AotSandbox.Protocol.WebSocket;

using AotSandbox.Tests.Transport.Support;

namespace AotSandbox.Tests.Transport;

public class WebSocketFrameParserTests
{
    /// <summary>Every header shape: opcodes, FIN, 7/16/64-bit lengths (minimal and not), masked and unmasked.</summary>
    public static TheoryData<int, bool, long, bool, int> ValidHeaders()
    {
        var data = new TheoryData<int, bool, long, bool, int>();
        WebSocketOpcode[] dataOpcodes = [WebSocketOpcode.Continuation, WebSocketOpcode.Text, WebSocketOpcode.Binary];
        WebSocketOpcode[] controlOpcodes = [WebSocketOpcode.Close, WebSocketOpcode.Ping, WebSocketOpcode.Pong];
        long[] lengths = [0, 1, 125, 126, 127, 65535, 65536, 1L << 32, long.MaxValue];
        foreach (bool masked in new[] { false, true })
        {
            foreach (WebSocketOpcode opcode in dataOpcodes)
            {
                foreach (bool fin in new[] { true, false })
                {
                    foreach (long length in lengths)
                    {
                        foreach (int form in new[] { 0, 1, 2 })
                        {
                            if (Encode(opcode, fin, length, masked, form) is not null)
                            {
                                data.Add((int)opcode, fin, length, masked, form);
                            }
                        }
                    }
                }
            }

            foreach (WebSocketOpcode opcode in controlOpcodes)
            {
                foreach (long length in new long[] { 0, 2, 125 })
                {
                    data.Add((int)opcode, true, length, masked, 0);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void TryParse_EveryPrefix_NeedsMoreUntilComplete_ThenSameHeader(int opcode, bool fin, long length, bool masked, int form)
    {
        byte[] encoded = Encode((WebSocketOpcode)opcode, fin, length, masked, form)!;
        WebSocketFrameHeader expected = Expected((WebSocketOpcode)opcode, fin, length, masked, encoded.Length);
        for (int i = 0; i < encoded.Length; i++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, WebSocketFrameParser.TryParse(encoded.AsSpan(0, i), masked, out _, out int consumed, out _));
            Assert.Equal(0, consumed);
        }

        // Complete, and complete followed by payload bytes: identical result, only the header consumed.
        byte[] withPayload = [.. encoded, 0xAB, 0xCD, 0xEF];
        foreach (byte[] input in new[] { encoded, withPayload })
        {
            Assert.Equal(OperationStatus.Done, WebSocketFrameParser.TryParse(input, masked, out WebSocketFrameHeader header, out int consumed, out WebSocketFrameError error));
            Assert.Equal(expected, header);
            Assert.Equal(encoded.Length, consumed);
            Assert.Equal(WebSocketFrameError.None, error);
        }
    }

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void TryParse_SequenceSplitAtEveryOffset_SameHeader(int opcode, bool fin, long length, bool masked, int form)
    {
        byte[] encoded = Encode((WebSocketOpcode)opcode, fin, length, masked, form)!;
        WebSocketFrameHeader expected = Expected((WebSocketOpcode)opcode, fin, length, masked, encoded.Length);
        byte[] input = [.. encoded, 0x01, 0x02];
        for (int split = 0; split <= input.Length; split++)
        {
            ReadOnlySequence<byte> sequence = TestSequences.Split(input, split);
            Assert.Equal(OperationStatus.Done, WebSocketFrameParser.TryParse(sequence, masked, out WebSocketFrameHeader header, out int consumed, out _));
            Assert.Equal(expected, header);
            Assert.Equal(encoded.Length, consumed);

            ReadOnlySequence<byte> prefix = TestSequences.Split(encoded.AsSpan(0, encoded.Length - 1).ToArray(), Math.Min(split, encoded.Length - 1));
            Assert.Equal(OperationStatus.NeedMoreData, WebSocketFrameParser.TryParse(prefix, masked, out _, out _, out _));
        }
    }

    [Fact]
    public void TryParse_ClientOverload_ReadsUnmaskedServerFrame()
    {
        Assert.Equal(OperationStatus.Done, WebSocketFrameParser.TryParse([0x81, 0x05], out WebSocketFrameHeader header, out int consumed));
        Assert.Equal(new WebSocketFrameHeader(true, 0, WebSocketOpcode.Text, false, 0, 5, 2), header);
        Assert.Equal(2, consumed);
        Assert.False(header.IsControl);
    }

    [Theory]
    [InlineData(new byte[] { 0xC1, 0x00 }, (int)WebSocketFrameError.ReservedBitsSet)] // RSV1
    [InlineData(new byte[] { 0xA1, 0x00 }, (int)WebSocketFrameError.ReservedBitsSet)] // RSV2
    [InlineData(new byte[] { 0x91, 0x00 }, (int)WebSocketFrameError.ReservedBitsSet)] // RSV3
    [InlineData(new byte[] { 0x83, 0x00 }, (int)WebSocketFrameError.UnknownOpcode)]
    [InlineData(new byte[] { 0x87, 0x00 }, (int)WebSocketFrameError.UnknownOpcode)]
    [InlineData(new byte[] { 0x8B, 0x00 }, (int)WebSocketFrameError.UnknownOpcode)]
    [InlineData(new byte[] { 0x8F, 0x00 }, (int)WebSocketFrameError.UnknownOpcode)]
    [InlineData(new byte[] { 0x09, 0x00 }, (int)WebSocketFrameError.FragmentedControlFrame)] // ping without FIN
    [InlineData(new byte[] { 0x08, 0x02 }, (int)WebSocketFrameError.FragmentedControlFrame)]
    [InlineData(new byte[] { 0x89, 0x7E }, (int)WebSocketFrameError.ControlFrameTooLong)] // 126
    [InlineData(new byte[] { 0x88, 0x7F }, (int)WebSocketFrameError.ControlFrameTooLong)] // 127
    [InlineData(new byte[] { 0x82, 0x7F, 0x80 }, (int)WebSocketFrameError.PayloadLengthMsbSet)] // judged from the first length byte
    [InlineData(new byte[] { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0 }, (int)WebSocketFrameError.PayloadLengthMsbSet)]
    [InlineData(new byte[] { 0x81, 0x85, 1, 2, 3, 4 }, (int)WebSocketFrameError.UnexpectedMasking)] // masked server frame
    public void TryParse_InvalidServerHeader_Rejected(byte[] input, int expected)
    {
        Assert.Equal(OperationStatus.InvalidData, WebSocketFrameParser.TryParse(input, expectMasked: false, out _, out int consumed, out WebSocketFrameError error));
        Assert.Equal((WebSocketFrameError)expected, error);
        Assert.Equal(0, consumed);
        Assert.Equal(OperationStatus.InvalidData, WebSocketFrameParser.TryParse(input, out _, out _));
    }

    [Fact]
    public void TryParse_UnmaskedFrameInServerRole_Rejected()
    {
        Assert.Equal(OperationStatus.InvalidData, WebSocketFrameParser.TryParse([0x81, 0x00], expectMasked: true, out _, out _, out WebSocketFrameError error));
        Assert.Equal(WebSocketFrameError.UnexpectedMasking, error);
    }

    [Fact]
    public void TryParse_NonMinimalLength_AcceptedByDesign()
    {
        // 5 bytes announced with the 16-bit and the 64-bit form: accepted (see the parser's remarks).
        Assert.Equal(OperationStatus.Done, WebSocketFrameParser.TryParse([0x82, 126, 0, 5], out WebSocketFrameHeader h16, out _));
        Assert.Equal(5, h16.PayloadLength);
        Assert.Equal(OperationStatus.Done, WebSocketFrameParser.TryParse([0x82, 127, 0, 0, 0, 0, 0, 0, 0, 5], out WebSocketFrameHeader h64, out _));
        Assert.Equal(5, h64.PayloadLength);
        Assert.Equal(10, h64.HeaderLength);
    }

    /// <summary>form 0 = minimal, 1 = forced 16-bit, 2 = forced 64-bit; null when the form cannot hold the length.</summary>
    internal static byte[]? Encode(WebSocketOpcode opcode, bool fin, long length, bool masked, int form)
    {
        int lengthBytes = form switch
        {
            0 => length <= 125 ? 0 : length <= ushort.MaxValue ? 2 : 8,
            1 => 2,
            _ => 8,
        };
        int minimalBytes = length <= 125 ? 0 : length <= ushort.MaxValue ? 2 : 8;
        if ((form == 1 && length > ushort.MaxValue) || (form != 0 && lengthBytes == minimalBytes))
        {
            return null; // cannot hold the length, or the same bytes as the minimal form
        }

        var bytes = new byte[2 + lengthBytes + (masked ? 4 : 0)];
        bytes[0] = (byte)((fin ? 0x80 : 0) | (byte)opcode);
        bytes[1] = (byte)((masked ? 0x80 : 0) | (lengthBytes == 0 ? (int)length : lengthBytes == 2 ? 126 : 127));
        if (lengthBytes == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)length);
        }
        else if (lengthBytes == 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(2), (ulong)length);
        }

        if (masked)
        {
            bytes.AsSpan(2 + lengthBytes).Fill(0);
            bytes[2 + lengthBytes] = 0x11;
            bytes[5 + lengthBytes] = 0x44;
        }

        return bytes;
    }

    private static WebSocketFrameHeader Expected(WebSocketOpcode opcode, bool fin, long length, bool masked, int headerLength)
        => new(fin, 0, opcode, masked, masked ? 0x4400_0011u : 0, length, headerLength);
}
