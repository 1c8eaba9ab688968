using System.Text;
using AotSandbox.Emulator.DataPlane;

namespace AotSandbox.Tests.Emulator;

public sealed class Utf8OutputSanitizerTests
{
    /// <summary>Feeds <paramref name="chunks"/> in order, then flushes; returns every piece joined.</summary>
    private static byte[] Run(Utf8OutputSanitizer sanitizer, IEnumerable<byte[]> chunks, List<int>? pieceInputs = null)
    {
        var output = new List<byte>();
        foreach (byte[] chunk in chunks)
        {
            ReadOnlySpan<byte> rest = chunk;
            while (!rest.IsEmpty)
            {
                ReadOnlySpan<byte> piece = sanitizer.Take(rest, out int consumed);
                Assert.InRange(consumed, 1, rest.Length);
                Assert.True(System.Text.Unicode.Utf8.IsValid(piece), "every piece is valid UTF-8");
                pieceInputs?.Add(consumed);
                output.AddRange(piece.ToArray());
                rest = rest[consumed..];
            }
        }

        output.AddRange(sanitizer.Flush().ToArray());
        return [.. output];
    }

    [Fact]
    public void Take_SequencesSplitAtEveryByte_AreCarriedOver()
    {
        byte[] text = Encoding.UTF8.GetBytes("a€😀é");
        byte[] output = Run(new Utf8OutputSanitizer(), text.Select(b => new[] { b }));
        Assert.Equal("a€😀é", Encoding.UTF8.GetString(output));
    }

    [Fact]
    public void Take_InvalidBytesAndDanglingTail_BecomeReplacementCharacters()
    {
        byte[] output = Run(new Utf8OutputSanitizer(), [[(byte)'a', 0xFF, (byte)'b', 0xE2, 0x82]]);
        Assert.Equal("a\uFFFDb\uFFFD", Encoding.UTF8.GetString(output));
    }

    [Fact]
    public void Take_ValidOutput_IsHandedOnAsASliceOfTheInput()
    {
        byte[] input = Encoding.UTF8.GetBytes("plain ascii and café\n");
        ReadOnlySpan<byte> piece = new Utf8OutputSanitizer().Take(input, out int consumed);
        Assert.Equal(input.Length, consumed);
        Assert.True(piece.Overlaps(input), "valid output must not be copied");
    }

    [Fact]
    public void Take_BigChunk_IsSplitIntoBoundedPieces()
    {
        var inputs = new List<int>();
        byte[] output = Run(new Utf8OutputSanitizer(), [Encoding.UTF8.GetBytes(new string('é', 100_000))], inputs);
        Assert.Equal(new string('é', 100_000), Encoding.UTF8.GetString(output));
        Assert.All(inputs, n => Assert.InRange(n, 1, Utf8OutputSanitizer.MaxInputBytesPerPiece));
    }

    [Fact]
    public void Take_AWholeValidAgentChunk_IsOnePiece()
    {
        byte[] chunk = Encoding.UTF8.GetBytes(new string('x', Utf8OutputSanitizer.MaxInputBytesPerPiece));
        ReadOnlySpan<byte> piece = new Utf8OutputSanitizer().Take(chunk, out int consumed);
        Assert.Equal(chunk.Length, consumed);
        Assert.Equal(chunk.Length, piece.Length);
    }

    /// <summary>Invalid bytes (each may triple) and carried-over prefixes go the small-piece way: a piece never exceeds the bound.</summary>
    [Fact]
    public void Take_InvalidOrCarriedOver_PiecesStayWithinTheBound()
    {
        byte[] invalid = [.. Enumerable.Repeat((byte)0xFF, 3 * Utf8OutputSanitizer.MaxInputBytesPerPiece)];
        var sanitizer = new Utf8OutputSanitizer();
        ReadOnlySpan<byte> rest = invalid;
        while (!rest.IsEmpty)
        {
            int length = sanitizer.Take(rest, out int consumed).Length;
            Assert.InRange(length, 0, Utf8OutputSanitizer.MaxPieceBytes);
            rest = rest[consumed..];
        }

        sanitizer.Take([0xE2], out _);
        byte[] euroTail = [0x82, 0xAC, .. Enumerable.Repeat((byte)'a', Utf8OutputSanitizer.MaxInputBytesPerPiece)];
        Assert.InRange(sanitizer.Take(euroTail, out int taken).Length, 1, Utf8OutputSanitizer.MaxPieceBytes);
        Assert.InRange(taken, 1, Utf8OutputSanitizer.SlowPathInputBytes);
    }

    /// <summary>
    /// Whatever the bytes and wherever the pipe cuts them, the result is exactly what UTF8Encoding's replacing decoder
    /// makes of the whole stream (the emulator's behaviour before it stopped decoding to UTF-16).
    /// </summary>
    [Fact]
    public void Take_RandomBytesAndChunking_MatchTheReplacingDecoderOfTheWholeStream()
    {
        var random = new Random(20261203);
        byte[][] alphabet =
        [
            "a"u8.ToArray(), "\n"u8.ToArray(), "é"u8.ToArray(), "€"u8.ToArray(), "😀"u8.ToArray(),
            [0xFF], [0x80], [0xC0, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        ];
        for (int round = 0; round < 2000; round++)
        {
            var stream = new List<byte>();
            int tokens = random.Next(0, 40);
            for (int i = 0; i < tokens; i++)
            {
                stream.AddRange(random.Next(4) == 0 ? [(byte)random.Next(256)] : alphabet[random.Next(alphabet.Length)]);
            }

            byte[] all = [.. stream];
            var chunks = new List<byte[]>();
            for (int at = 0; at < all.Length;)
            {
                int length = Math.Min(all.Length - at, random.Next(1, 8));
                chunks.Add(all[at..(at + length)]);
                at += length;
            }

            byte[] expected = Encoding.UTF8.GetBytes(new UTF8Encoding(false, false).GetString(all));
            Assert.Equal(expected, Run(new Utf8OutputSanitizer(), chunks));
        }
    }
}
