using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// Turns one stream's output bytes into valid UTF-8 pieces for <c>exec.output.data</c>, without a detour through
/// UTF-16: valid output (nearly all of it) is handed on as a slice of the input, one agent chunk (64 KiB) per piece. A
/// UTF-8 sequence split across two chunks is carried over (never replaced twice), each maximal invalid subsequence
/// becomes one U+FFFD (the same replacements <see cref="UTF8Encoding"/>'s decoder makes), and no piece carries more
/// than <see cref="MaxPieceBytes"/>, so a frame's data stays within the protocol's 64 KiB.
/// Not thread-safe: one instance per stream of one exec, fed in order.
/// </summary>
internal sealed class Utf8OutputSanitizer
{
    /// <summary>Input bytes per piece when they are valid as they are: the agent's largest output chunk.</summary>
    public const int MaxInputBytesPerPiece = 64 * 1024;

    /// <summary>
    /// Input bytes per piece when a carried-over prefix goes in front or bytes are replaced (each invalid byte may
    /// become three), so that the piece stays within <see cref="MaxPieceBytes"/> and the scratch buffers small.
    /// </summary>
    public const int SlowPathInputBytes = 16 * 1024;

    /// <summary>The most bytes of valid UTF-8 one piece carries.</summary>
    public const int MaxPieceBytes = MaxInputBytesPerPiece;

    private const int MaxCarry = 3; // the longest incomplete prefix of a 4-byte sequence

    private static ReadOnlySpan<byte> ReplacementCharacter => [0xEF, 0xBF, 0xBD];

    private readonly byte[] _carry = new byte[MaxCarry];
    private int _carryLength;
    // Made on first need (most commands never cut a character or print invalid bytes): the carried-over prefix followed
    // by the next input bytes, and a piece with invalid bytes replaced (each input byte at most one U+FFFD of three).
    private byte[]? _joined;
    private byte[]? _replaced;

    /// <summary>
    /// Takes the next piece from <paramref name="input"/>: <paramref name="consumed"/> input bytes (≥ 1 when the input
    /// is not empty) give the returned valid UTF-8, which may be empty (all of it carried over). The piece is a slice
    /// of the input or of this instance's scratch buffers: valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Take(ReadOnlySpan<byte> input, out int consumed)
    {
        if (_carryLength == 0)
        {
            consumed = Math.Min(input.Length, MaxInputBytesPerPiece);
            int cut = IncompleteTailStart(input[..consumed]);
            if (Utf8.IsValid(input[..cut]))
            {
                Carry(input[cut..consumed]);
                return input[..cut];
            }

            // Invalid bytes: a smaller piece, whose replacement fits the scratch buffer.
            consumed = Math.Min(consumed, SlowPathInputBytes);
            return Sanitize(input[..consumed]);
        }

        // A multi-byte character cut by the pipe: one copy of a small piece to put the prefix in front.
        consumed = Math.Min(input.Length, SlowPathInputBytes);
        _joined ??= new byte[MaxCarry + SlowPathInputBytes];
        _carry.AsSpan(0, _carryLength).CopyTo(_joined);
        input[..consumed].CopyTo(_joined.AsSpan(_carryLength));
        ReadOnlySpan<byte> joined = _joined.AsSpan(0, _carryLength + consumed);
        _carryLength = 0;
        return Sanitize(joined);
    }

    /// <summary>Ends the stream: a dangling incomplete sequence becomes one U+FFFD (empty when there is none).</summary>
    public ReadOnlySpan<byte> Flush()
    {
        if (_carryLength == 0)
        {
            return [];
        }

        _carryLength = 0;
        return ReplacementCharacter;
    }

    /// <summary>Where a trailing sequence starts that is a valid but incomplete prefix (the rest is in the next chunk), else the length.</summary>
    internal static int IncompleteTailStart(ReadOnlySpan<byte> chunk)
    {
        for (int back = 1; back <= Math.Min(MaxCarry, chunk.Length); back++)
        {
            byte b = chunk[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte: its lead is further back
            }

            return b >= 0xC0 && Rune.DecodeFromUtf8(chunk[^back..], out _, out _) == OperationStatus.NeedMoreData
                ? chunk.Length - back
                : chunk.Length;
        }

        return chunk.Length;
    }

    /// <summary>The piece of a chunk of at most <see cref="MaxCarry"/> + <see cref="SlowPathInputBytes"/> bytes; carries its incomplete tail.</summary>
    private ReadOnlySpan<byte> Sanitize(ReadOnlySpan<byte> chunk)
    {
        int cut = IncompleteTailStart(chunk);
        ReadOnlySpan<byte> body = chunk[..cut];
        if (Utf8.IsValid(body))
        {
            Carry(chunk[cut..]);
            return body;
        }

        _replaced ??= new byte[3 * (MaxCarry + SlowPathInputBytes)];
        int written = Replace(body, _replaced);
        Carry(chunk[cut..]);
        return _replaced.AsSpan(0, written);
    }

    private void Carry(ReadOnlySpan<byte> tail)
    {
        tail.CopyTo(_carry);
        _carryLength = tail.Length;
    }

    /// <summary>Copies <paramref name="body"/> with each maximal invalid subsequence replaced by U+FFFD; returns the bytes written.</summary>
    private static int Replace(ReadOnlySpan<byte> body, Span<byte> destination)
    {
        int written = 0;
        while (!body.IsEmpty)
        {
            int ascii = body.IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
            if (ascii < 0)
            {
                ascii = body.Length;
            }

            body[..ascii].CopyTo(destination[written..]);
            written += ascii;
            body = body[ascii..];
            if (body.IsEmpty)
            {
                break;
            }

            OperationStatus status = Rune.DecodeFromUtf8(body, out _, out int length);
            if (status == OperationStatus.Done)
            {
                body[..length].CopyTo(destination[written..]);
                written += length;
            }
            else
            {
                ReplacementCharacter.CopyTo(destination[written..]);
                written += ReplacementCharacter.Length;
            }

            body = body[length..];
        }

        return written;
    }
}
