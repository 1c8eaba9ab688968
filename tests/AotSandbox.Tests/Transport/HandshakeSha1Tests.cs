using System.Security.Cryptography;
using System.Text;
using AotSandbox.Protocol;
using AotSandbox.Protocol.WebSocket;
using CsCheck;

namespace AotSandbox.Tests.Transport;

/// <summary>The upgrade's own SHA-1 and GUID-drawn randomness (kept free of OpenSSL for ws:// cold starts) against the references.</summary>
public sealed class HandshakeSha1Tests
{
    private static string Hex(ReadOnlySpan<byte> input)
    {
        byte[] hash = new byte[20];
        HandshakeSha1.HashData(input, hash);
        return Convert.ToHexStringLower(hash);
    }

    [Theory]
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1")]
    public void FipsVectors(string input, string expected) => Assert.Equal(expected, Hex(Encoding.ASCII.GetBytes(input)));

    [Fact]
    public void MillionAs() => Assert.Equal("34aa973cd4c4daa4f61eeb2bdbad27316534016f", Hex(Encoding.ASCII.GetBytes(new string('a', 1_000_000))));

    [Fact]
    public void MatchesTheSystemSha1_ForEveryLengthAroundTheBlockBoundaries() =>
        Gen.Byte.Array[0, 300].Sample(data =>
        {
#pragma warning disable CA5350 // the reference implementation the handshake hash is checked against
            Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(data)), Hex(data));
#pragma warning restore CA5350
        });

    [Fact]
    public void RfcExampleAccept()
    {
        byte[] accept = new byte[WebSocketHandshakeRequest.AcceptLength];
        WebSocketHandshakeRequest.ComputeAccept("dGhlIHNhbXBsZSBub25jZQ=="u8, accept);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Encoding.ASCII.GetString(accept));
    }

    [Fact]
    public void MaskEntropy_HasNoFixedBits()
    {
        // Every bit position of the drawn bytes takes both values over many refills: the GUID version/variant bits are skipped.
        byte[] ones = new byte[252];
        byte[] zeros = new byte[252];
        byte[] draw = new byte[252];
        for (int i = 0; i < 200; i++)
        {
            GuidEntropy.Fill(draw);
            for (int j = 0; j < draw.Length; j++)
            {
                ones[j] |= draw[j];
                zeros[j] |= (byte)~draw[j];
            }
        }

        Assert.All(ones, b => Assert.Equal(0xFF, b));
        Assert.All(zeros, b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void FrameIds_HaveNoFixedBits()
    {
        // Exec and file ids draw their 96 bits from GuidEntropy too (no OpenSSL on a ws:// client's first exec).
        ulong highOnes = 0, highZeros = 0;
        uint lowOnes = 0, lowZeros = 0;
        for (int i = 0; i < 200; i++)
        {
            string hex = FrameId.NewExec().ToString()[5..];
            ulong high = Convert.ToUInt64(hex[..16], 16);
            uint low = Convert.ToUInt32(hex[16..], 16);
            (highOnes, highZeros, lowOnes, lowZeros) = (highOnes | high, highZeros | ~high, lowOnes | low, lowZeros | ~low);
        }

        Assert.Equal((ulong.MaxValue, ulong.MaxValue, uint.MaxValue, uint.MaxValue), (highOnes, highZeros, lowOnes, lowZeros));
    }

    [Fact]
    public void Keys_AreFreshEachTime()
    {
        byte[] a = new byte[WebSocketHandshakeRequest.KeyLength];
        byte[] b = new byte[WebSocketHandshakeRequest.KeyLength];
        WebSocketHandshakeRequest.CreateKey(a);
        WebSocketHandshakeRequest.CreateKey(b);
        Assert.NotEqual(a, b);
        Assert.Equal(16, Convert.FromBase64String(Encoding.ASCII.GetString(a)).Length);
    }
}
