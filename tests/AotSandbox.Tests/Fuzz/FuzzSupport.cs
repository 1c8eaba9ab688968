using System.Buffers;
using System.Text;
using CsCheck;

namespace AotSandbox.Tests.Fuzz;

/// <summary>
/// Shared generators and helpers for the property tests. Iteration counts are bounded so the whole folder runs in a
/// few seconds in the normal test run; the long mutational runs live in tests/AotSandbox.Fuzz.
/// </summary>
internal static class FuzzSupport
{
    /// <summary>Iterations for cheap pure-function properties.</summary>
    public const int Iterations = 4000;

    /// <summary>Bytes biased towards what parsers care about: JSON/HTTP punctuation, control and high bytes.</summary>
    public static readonly Gen<byte> InterestingByte = Gen.OneOf(
        Gen.Byte,
        Gen.OneOf("{}[]\":,\\ \r\n\t0123456789-+.eEtrufalsn/u".Select(c => (byte)c).ToArray()),
        Gen.OneOf<byte>(0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF, 0x7E, 0x7D, 0x81, 0x88, 0x89, 0x8A));

    public static readonly Gen<byte[]> Bytes = InterestingByte.Array[0, 96];

    /// <summary>Applies 1-4 random byte edits (replace, insert, delete, duplicate a slice) to a seed.</summary>
    public static Gen<byte[]> Mutate(byte[] seed) =>
        Gen.Select(Gen.Int[1, 4], Gen.Int.Array[12], InterestingByte.Array[12], (edits, positions, values) =>
        {
            var list = new List<byte>(seed);
            for (int e = 0; e < edits; e++)
            {
                int at = list.Count == 0 ? 0 : (int)((uint)positions[e] % (uint)list.Count);
                switch ((uint)positions[e + 4] % 4)
                {
                    case 0 when list.Count > 0: list[at] = values[e]; break;
                    case 1: list.Insert(at, values[e]); break;
                    case 2 when list.Count > 0: list.RemoveAt(at); break;
                    default:
                        int length = Math.Min(list.Count - at, 1 + (int)((uint)positions[e + 8] % 16));
                        list.InsertRange(at, list.GetRange(at, Math.Max(0, length)));
                        break;
                }
            }

            return list.ToArray();
        });

    /// <summary>Either fully random bytes or a mutation of one of the seeds.</summary>
    public static Gen<byte[]> SeededOrRandom(params string[] seeds) =>
        Gen.OneOf(Bytes, Gen.OneOf(seeds).SelectMany(s => Mutate(Encoding.UTF8.GetBytes(s))), Gen.OneOf(seeds.Select(Encoding.UTF8.GetBytes).ToArray()));

    /// <summary>The same bytes as a multi-segment sequence cut at the given points.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, int[] cuts)
    {
        var points = cuts.Select(c => data.Length == 0 ? 0 : (int)((uint)c % (uint)(data.Length + 1))).Distinct().Order().ToList();
        if (points.Count == 0 || data.Length == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }

        Segment? first = null, last = null;
        int start = 0;
        foreach (int point in points.Append(data.Length))
        {
            var piece = new Segment(data.AsMemory(start, point - start));
            if (first is null)
            {
                first = last = piece;
            }
            else
            {
                last = last!.Append(piece);
            }

            start = point;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
            return next;
        }
    }
}
