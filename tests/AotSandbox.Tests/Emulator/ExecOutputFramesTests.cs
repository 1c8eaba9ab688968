using System.Text;
using System.Text.Json;
using AotSandbox.Emulator.DataPlane;
using AotSandbox.Protocol;

namespace AotSandbox.Tests.Emulator;

public sealed class ExecOutputFramesTests
{
    [Fact]
    public void Build_CarriesTheTextExactly_InTheProtocolFields()
    {
        string text = "line 1\n\ttab \"quoted\" back\\slash \u0001\u001f\u007f\b\f café € 😀 \u2028\r\n";
        using JsonDocument doc = JsonDocument.Parse(new ExecOutputFrames("exec-7").Build(1, Encoding.UTF8.GetBytes(text), out _));
        Assert.Equal(["type", "execId", "stream", "data"], doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("exec.output", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal("exec-7", doc.RootElement.GetProperty("execId").GetString());
        Assert.Equal("stdout", doc.RootElement.GetProperty("stream").GetString());
        Assert.Equal(text, doc.RootElement.GetProperty("data").GetString());
    }

    [Fact]
    public void Build_AnExecIdThatNeedsEscaping_IsEscapedInTheHead()
    {
        using JsonDocument doc = JsonDocument.Parse(new ExecOutputFrames("a\"b\\c\n").Build(2, "x"u8, out _));
        Assert.Equal("a\"b\\c\n", doc.RootElement.GetProperty("execId").GetString());
        Assert.Equal("stderr", doc.RootElement.GetProperty("stream").GetString());
    }

    /// <summary>
    /// Every byte value, in random mixes and through the sanitizer as the emulator does it: the frame is valid JSON whose
    /// data is exactly the sanitized text, and the SDK's exec.output fast path accepts it with the same bytes.
    /// </summary>
    [Fact]
    public void Build_RandomOutput_RoundTripsThroughJsonAndTheSdkFastPath()
    {
        var random = new Random(1403);
        var frames = new ExecOutputFrames("exec-1");
        byte[] decoded = new byte[64 * 1024];
        for (int round = 0; round < 3000; round++)
        {
            byte[] output = new byte[random.Next(0, 300)];
            for (int i = 0; i < output.Length; i++)
            {
                // Mostly controls, quotes and backslashes, where escaping can go wrong; some of every other byte.
                output[i] = random.Next(3) switch
                {
                    0 => (byte)random.Next(0x20),
                    1 => "\"\\/a\u007f"u8[random.Next(5)],
                    _ => (byte)random.Next(256),
                };
            }

            var sanitizer = new Utf8OutputSanitizer();
            byte[] text = [.. sanitizer.Take(output, out int consumed), .. sanitizer.Flush()];
            Assert.Equal(output.Length, consumed);
            byte[] frame = frames.Build(1, text, out int taken);
            Assert.Equal(text.Length, taken);

            using JsonDocument doc = JsonDocument.Parse(frame);
            Assert.Equal(Encoding.UTF8.GetString(text), doc.RootElement.GetProperty("data").GetString());

            ServerFrame parsed = default;
            Assert.True(ExecOutputScanner.TryScan(frame, ref parsed), Encoding.UTF8.GetString(frame));
            Assert.Equal(text, decoded.AsSpan(0, parsed.Data.CopyTo(decoded)).ToArray());
        }
    }

    private static byte[] Base64Lines(int bytes) =>
        Encoding.ASCII.GetBytes(Convert.ToBase64String(new byte[bytes], Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n", StringComparison.Ordinal));

    /// <summary>A 64 KiB agent chunk of base64 lines (about 850 newlines to escape) goes out as one frame, not four or five.</summary>
    [Fact]
    public void Build_AFullAgentChunkOfText_IsOneFrame()
    {
        byte[] chunk = Base64Lines(64 * 1024)[..Utf8OutputSanitizer.MaxInputBytesPerPiece];
        ReadOnlySpan<byte> piece = new Utf8OutputSanitizer().Take(chunk, out int consumed);
        Assert.Equal(chunk.Length, consumed);
        byte[] frame = new ExecOutputFrames("e").Build(1, piece, out int taken);
        Assert.Equal(chunk.Length, taken);
        using JsonDocument doc = JsonDocument.Parse(frame);
        Assert.Equal(Encoding.ASCII.GetString(chunk), doc.RootElement.GetProperty("data").GetString());
    }

    /// <summary>
    /// Output that escapes to six bytes a byte is split so that no frame carries more than 96 KiB of escaped data (the
    /// old worst case, which the connection's queue bound counts on), and a cut never falls inside a character.
    /// </summary>
    [Fact]
    public void Build_OutputFullOfControls_IsSplitOnCharacterBoundariesWithinTheBound()
    {
        var random = new Random(77);
        for (int round = 0; round < 20; round++)
        {
            // Controls with a two- or three-byte character now and then, so the cut lands on or beside one.
            var text = new StringBuilder();
            for (int bytes = 0; bytes < Utf8OutputSanitizer.MaxInputBytesPerPiece - 8;)
            {
                string next = random.Next(10) == 0 ? (random.Next(2) == 0 ? "é" : "€") : "\u0001";
                text.Append(next);
                bytes += Encoding.UTF8.GetByteCount(next);
            }

            byte[] piece = Encoding.UTF8.GetBytes(text.ToString());
            var frames = new ExecOutputFrames("e");
            var decoded = new StringBuilder();
            int frameCount = 0;
            for (ReadOnlySpan<byte> rest = piece; !rest.IsEmpty; frameCount++)
            {
                byte[] frame = frames.Build(1, rest, out int taken);
                Assert.InRange(taken, 1, rest.Length);
                using JsonDocument doc = JsonDocument.Parse(frame); // a cut inside a character would be invalid UTF-8
                string data = doc.RootElement.GetProperty("data").GetString()!;
                Assert.Equal(Encoding.UTF8.GetString(rest[..taken]), data);
                Assert.True(frame.Length <= ExecOutputFrames.MaxEscapedDataBytes + 64, $"a frame of {frame.Length} bytes");
                decoded.Append(data);
                rest = rest[taken..];
            }

            Assert.Equal(text.ToString(), decoded.ToString());
            Assert.True(frameCount >= 4, $"{frameCount} frames for {piece.Length} bytes of controls");
        }
    }

    /// <summary>
    /// The streaming hot path: one agent chunk of base64 lines (a newline to escape every 77 bytes) costs the frame's
    /// own array and nothing else. Before, a 16 KiB piece cost a UTF-16 string of twice its size and a growing JSON
    /// buffer besides (100,120 bytes for a 16,664-byte frame).
    /// </summary>
    [Fact]
    public void Build_OfAFullPiece_AllocatesOnlyTheFrame()
    {
        byte[] chunk = Base64Lines(64 * 1024)[..Utf8OutputSanitizer.MaxInputBytesPerPiece];
        var sanitizer = new Utf8OutputSanitizer();
        var frames = new ExecOutputFrames("exec-1");
        int consumed = 0;
        int taken = 0;
        byte[] Build() => frames.Build(1, sanitizer.Take(chunk, out consumed), out taken);

        for (int i = 0; i < 3; i++)
        {
            Build(); // warm-up: the JIT's tiers, the pool's arrays
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        byte[] frame = Build();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(chunk.Length, consumed);
        Assert.Equal(chunk.Length, taken);
        Assert.True(allocated <= frame.Length + 64, $"building one exec.output frame of {frame.Length} bytes allocated {allocated} bytes");
    }
}
