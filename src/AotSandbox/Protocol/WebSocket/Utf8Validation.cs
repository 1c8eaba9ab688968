using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace AotSandbox.Protocol.WebSocket;

/// <summary>
/// Validates UTF-8 that may be split across buffer segments (a sequence can straddle a segment boundary,
/// so validating each segment alone would reject valid text).
/// </summary>
internal static class Utf8Validation
{
    /// <summary>Whether the whole (possibly multi-segment) buffer is well-formed UTF-8.</summary>
    public static bool IsValid(in ReadOnlySequence<byte> text)
    {
        if (text.IsSingleSegment)
        {
            return Utf8.IsValid(text.FirstSpan);
        }

        return IsValidMultiSegment(text);
    }

    private static bool IsValidMultiSegment(in ReadOnlySequence<byte> text)
    {
        Span<byte> carry = stackalloc byte[4];
        int carried = 0;
        foreach (ReadOnlyMemory<byte> segment in text)
        {
            ReadOnlySpan<byte> span = segment.Span;

            // Complete a sequence left open by the previous segment, one byte at a time (at most 3 bytes).
            while (carried != 0 && !span.IsEmpty)
            {
                carry[carried++] = span[0];
                span = span[1..];
                OperationStatus status = Rune.DecodeFromUtf8(carry[..carried], out _, out _);
                if (status == OperationStatus.Done)
                {
                    carried = 0;
                }
                else if (status != OperationStatus.NeedMoreData)
                {
                    return false;
                }
            }

            if (span.IsEmpty)
            {
                continue;
            }

            int tail = IncompleteTailLength(span);
            if (!Utf8.IsValid(span[..^tail]))
            {
                return false;
            }

            if (tail != 0)
            {
                // The tail must be a valid prefix (e.g. E0 80 is already an overlong form).
                if (Rune.DecodeFromUtf8(span[^tail..], out _, out _) != OperationStatus.NeedMoreData)
                {
                    return false;
                }

                span[^tail..].CopyTo(carry);
                carried = tail;
            }
        }

        return carried == 0;
    }

    /// <summary>Length of a multi-byte sequence that starts near the end of <paramref name="span"/> but ends beyond it, else 0.</summary>
    private static int IncompleteTailLength(ReadOnlySpan<byte> span)
    {
        int stop = Math.Max(0, span.Length - 3);
        for (int i = span.Length - 1; i >= stop; i--)
        {
            byte b = span[i];
            if ((b & 0xC0) == 0x80)
            {
                continue; // continuation byte: keep looking for its lead byte
            }

            int expected = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return i + expected > span.Length ? span.Length - i : 0;
        }

        // No lead byte in the last three: either complete (a 4-byte sequence) or invalid; Utf8.IsValid decides.
        return 0;
    }
}
