using System.Text;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// Turns one stream's output bytes into text pieces for <c>exec.output.data</c>. A UTF-8 sequence split across two
/// chunks is carried over (never decoded as two U+FFFD), invalid bytes become U+FFFD, and no piece exceeds
/// <see cref="MaxInputBytesPerPiece"/> input bytes, so a frame's data stays well under 64 KiB.
/// Not thread-safe: one instance per stream of one exec, fed in order.
/// </summary>
internal sealed class Utf8OutputDecoder
{
    /// <summary>16 KiB of input yields at most 16 Ki + 3 UTF-16 chars, i.e. at most ~48 KiB of UTF-8 in the frame.</summary>
    public const int MaxInputBytesPerPiece = 16 * 1024;

    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly char[] _chars = new char[MaxInputBytesPerPiece + 8];

    /// <summary>Decodes <paramref name="bytes"/> and calls <paramref name="emit"/> for each non-empty piece, in order.</summary>
    public void Decode(ReadOnlySpan<byte> bytes, List<string> emit)
    {
        while (!bytes.IsEmpty)
        {
            ReadOnlySpan<byte> slice = bytes[..Math.Min(bytes.Length, MaxInputBytesPerPiece)];
            bytes = bytes[slice.Length..];
            int count = _decoder.GetChars(slice, _chars, flush: false);
            if (count > 0)
            {
                emit.Add(new string(_chars, 0, count));
            }
        }
    }

    /// <summary>Ends the stream: a dangling incomplete sequence becomes U+FFFD.</summary>
    public void Flush(List<string> emit)
    {
        int count = _decoder.GetChars(ReadOnlySpan<byte>.Empty, _chars, flush: true);
        if (count > 0)
        {
            emit.Add(new string(_chars, 0, count));
        }
    }
}
