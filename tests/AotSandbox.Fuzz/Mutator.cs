namespace AotSandbox.Fuzz;

/// <summary>
/// A small structure-blind mutator in the style of libFuzzer's default strategies: bit flips, interesting bytes,
/// insertions, deletions, block duplication, and splicing with another corpus entry. Deterministic for a given seed.
/// </summary>
internal sealed class Mutator(int seed)
{
    private static readonly byte[] Interesting = "{}[]\":,\\ \r\n\t0-9eE.+-/u"u8.ToArray()
        .Concat(new byte[] { 0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xFF, 0x7E, 0x7D, 0x81, 0x88, 0x89, 0x8A }).ToArray();

    private readonly Random _random = new(seed);

    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> corpus, int maxLength)
    {
        var data = new List<byte>(input);
        int rounds = 1 + _random.Next(6);
        for (int r = 0; r < rounds; r++)
        {
            int at = data.Count == 0 ? 0 : _random.Next(data.Count);
            switch (_random.Next(7))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << _random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = Interesting[_random.Next(Interesting.Length)];
                    break;
                case 2:
                    data.Insert(at, _random.Next(2) == 0 ? Interesting[_random.Next(Interesting.Length)] : (byte)_random.Next(256));
                    break;
                case 3 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + _random.Next(8)));
                    break;
                case 4 when data.Count > 0:
                    int length = Math.Min(data.Count - at, 1 + _random.Next(32));
                    data.InsertRange(_random.Next(data.Count + 1), data.GetRange(at, length));
                    break;
                case 5 when corpus.Count > 0:
                    byte[] other = corpus[_random.Next(corpus.Count)];
                    int from = other.Length == 0 ? 0 : _random.Next(other.Length);
                    data.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + _random.Next(64))).ToArray());
                    break;
                default:
                    // Numbers are where parsers overflow: overwrite with a long digit run or a boundary value.
                    byte[] number = System.Text.Encoding.ASCII.GetBytes(_random.Next(4) switch
                    {
                        0 => "9223372036854775808",
                        1 => "-1",
                        2 => "1e309",
                        _ => new string('9', 1 + _random.Next(40)),
                    });
                    data.InsertRange(at, number);
                    break;
            }
        }

        return data.Count > maxLength ? data.GetRange(0, maxLength).ToArray() : data.ToArray();
    }
}
