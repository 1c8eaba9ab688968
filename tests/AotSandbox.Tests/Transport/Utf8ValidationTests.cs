using System.Text;
using System.Text.Unicode;
using AotSandbox.Protocol.WebSocket;
using AotSandbox.Tests.Transport.Support;

namespace AotSandbox.Tests.Transport;

public class Utf8ValidationTests
{
    public static TheoryData<byte[]> Samples() => new()
    {
        Encoding.UTF8.GetBytes("plain ascii"),
        Encoding.UTF8.GetBytes("é ü ß — € 中文 𝄞 🙂 end"),
        new byte[] { 0xF0, 0x9F, 0x99, 0x82 },        // 🙂 alone
        new byte[] { 0x61, 0xE2, 0x82 },              // truncated €
        new byte[] { 0x80, 0x61 },                    // lone continuation
        new byte[] { 0xC0, 0xAF },                    // overlong '/'
        new byte[] { 0xE0, 0x80, 0x80 },              // overlong 3-byte
        new byte[] { 0xED, 0xA0, 0x80 },              // UTF-16 surrogate
        new byte[] { 0xF4, 0x90, 0x80, 0x80 },        // above U+10FFFF
        new byte[] { 0xFF, 0x61 },
        new byte[] { 0x61, 0xF0, 0x9F, 0x99 },        // truncated 4-byte at the very end
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void IsValid_SplitAnywhere_AgreesWithContiguousValidation(byte[] sample)
    {
        bool expected = Utf8.IsValid(sample);
        for (int a = 0; a <= sample.Length; a++)
        {
            Assert.Equal(expected, Utf8Validation.IsValid(TestSequences.Split(sample, a)));
            for (int b = a; b <= sample.Length; b++)
            {
                Assert.Equal(expected, Utf8Validation.IsValid(TestSequences.Split(sample, a, b)));
            }
        }

        // Every byte its own segment.
        Assert.Equal(expected, Utf8Validation.IsValid(TestSequences.Split(sample, Enumerable.Range(1, Math.Max(0, sample.Length - 1)).ToArray())));
    }
}
