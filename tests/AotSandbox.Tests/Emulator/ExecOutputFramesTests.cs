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
        using JsonDocument doc = JsonDocument.Parse(new ExecOutputFrames("exec-7").Build(1, Encoding.UTF8.GetBytes(text)));
        Assert.Equal(["type", "execId", "stream", "data"], doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("exec.output", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal("exec-7", doc.RootElement.GetProperty("execId").GetString());
        Assert.Equal("stdout", doc.RootElement.GetProperty("stream").GetString());
        Assert.Equal(text, doc.RootElement.GetProperty("data").GetString());
    }

    [Fact]
    public void Build_AnExecIdThatNeedsEscaping_IsEscapedInTheHead()
    {
        using JsonDocument doc = JsonDocument.Parse(new ExecOutputFrames("a\"b\\c\n").Build(2, "x"u8));
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
            byte[] frame = frames.Build(1, text);

            using JsonDocument doc = JsonDocument.Parse(frame);
            Assert.Equal(Encoding.UTF8.GetString(text), doc.RootElement.GetProperty("data").GetString());

            ServerFrame parsed = default;
            Assert.True(ExecOutputScanner.TryScan(frame, ref parsed), Encoding.UTF8.GetString(frame));
            Assert.Equal(text, decoded.AsSpan(0, parsed.Data.CopyTo(decoded)).ToArray());
        }
    }

    /// <summary>
    /// The streaming hot path: one piece of base64 lines (a newline to escape every 77 bytes) costs the frame's own
    /// array and nothing else. Before, it cost a UTF-16 string of twice the piece and a growing JSON buffer besides.
    /// </summary>
    [Fact]
    public void Build_OfAFullPiece_AllocatesOnlyTheFrame()
    {
        byte[] lines = Encoding.ASCII.GetBytes(Convert.ToBase64String(new byte[12 * 1024], Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n", StringComparison.Ordinal));
        byte[] chunk = lines[..Utf8OutputSanitizer.MaxInputBytesPerPiece];
        var sanitizer = new Utf8OutputSanitizer();
        var frames = new ExecOutputFrames("exec-1");
        int consumed = 0;
        byte[] Build() => frames.Build(1, sanitizer.Take(chunk, out consumed));

        for (int i = 0; i < 3; i++)
        {
            Build(); // warm-up: the JIT's tiers, the pool's arrays
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        byte[] frame = Build();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(chunk.Length, consumed);
        Assert.True(allocated <= frame.Length + 64, $"building one exec.output frame of {frame.Length} bytes allocated {allocated} bytes");
    }
}
