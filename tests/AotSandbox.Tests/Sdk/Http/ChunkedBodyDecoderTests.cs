using System.Buffers;
using System.Text;
using AotSandbox.Rest.Http;

namespace AotSandbox.Tests.Sdk.Http;

/// <summary>Chunk-at-a-time decoding of chunked bodies (RFC 9112 §7.1), including its limits.</summary>
public sealed class ChunkedBodyDecoderTests
{
    /// <summary>Decodes a whole body the way the client does: chunk after chunk until the last one.</summary>
    internal static (OperationStatus Status, string Body, int Consumed) DecodeAll(ReadOnlySpan<byte> input, long maxBody = 1 << 20, int maxTrailer = 16 * 1024)
    {
        var body = new List<byte>();
        int offset = 0;
        while (true)
        {
            OperationStatus status = ChunkedBodyDecoder.TryReadChunk(input[offset..], maxBody - body.Count, maxTrailer, out int start, out int length, out int consumed);
            if (status != OperationStatus.Done)
            {
                return (status, Encoding.Latin1.GetString(body.ToArray()), offset);
            }

            body.AddRange(input.Slice(offset + start, length));
            offset += consumed;
            if (length == 0)
            {
                return (status, Encoding.Latin1.GetString(body.ToArray()), offset);
            }
        }
    }

    private static (OperationStatus, string, int) Decode(string text, long maxBody = 1 << 20) => DecodeAll(Encoding.Latin1.GetBytes(text), maxBody);

    [Fact]
    public void Chunks_Extensions_AndTrailers()
    {
        const string wire = "4\r\nWiki\r\n5;name=value\r\npedia\r\nE \r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT";
        var (status, body, consumed) = Decode(wire);
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal("Wikipedia in\r\n\r\nchunks.", body);
        Assert.Equal(wire.Length - "NEXT".Length, consumed);
    }

    [Fact]
    public void UppercaseHex_AndLeadingZeros()
        => Assert.Equal((OperationStatus.Done, new string('x', 0x1A), 0x1A + 13), Decode("001A\r\n" + new string('x', 0x1A) + "\r\n0\r\n\r\n"));

    [Theory]
    [InlineData("g\r\nabc\r\n0\r\n\r\n")]
    [InlineData("\r\n")]
    [InlineData("3\r\nabcX\r\n0\r\n\r\n")]
    [InlineData("-1\r\n")]
    [InlineData("ffffffffffffffffff\r\n")]
    [InlineData("3 x\r\nabc\r\n0\r\n\r\n")]
    public void MalformedFraming_IsInvalid(string wire) => Assert.Equal(OperationStatus.InvalidData, Decode(wire).Item1);

    [Fact]
    public void AChunkBiggerThanTheBudget_IsRefusedBeforeItsDataArrives()
        => Assert.Equal(OperationStatus.InvalidData, Decode("100001\r\n", maxBody: 1 << 20).Item1);

    [Fact]
    public void ManySmallChunks_CountAgainstTheBudgetTogether()
    {
        string wire = string.Concat(Enumerable.Repeat("4\r\nabcd\r\n", 5)) + "0\r\n\r\n";
        Assert.Equal(OperationStatus.Done, Decode(wire, maxBody: 20).Item1);
        Assert.Equal(OperationStatus.InvalidData, Decode(wire, maxBody: 19).Item1);
    }

    [Fact]
    public void EndlessSizeLine_OrTrailers_AreBounded()
    {
        Assert.Equal(OperationStatus.InvalidData, Decode(new string('0', ChunkedBodyDecoder.MaxSizeLineBytes)).Item1);
        byte[] trailers = Encoding.Latin1.GetBytes("0\r\n" + string.Concat(Enumerable.Repeat("X: y\r\n", 100)));
        Assert.Equal(OperationStatus.InvalidData, DecodeAll(trailers, maxTrailer: 256).Status);
        Assert.Equal(OperationStatus.NeedMoreData, DecodeAll(trailers, maxTrailer: 4096).Status);
    }
}
