using System.Buffers;

namespace AotSandbox.Tests.Transport.Support;

/// <summary>Builds multi-segment sequences so parsers meet data split where a socket might split it.</summary>
internal static class TestSequences
{
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] splits)
    {
        var bounds = new List<int> { 0 };
        bounds.AddRange(splits.Where(s => s > 0 && s < data.Length).Order());
        bounds.Add(data.Length);
        Segment? first = null, last = null;
        for (int i = 0; i + 1 < bounds.Count; i++)
        {
            var memory = data.AsMemory(bounds[i], bounds[i + 1] - bounds[i]);
            if (first is null)
            {
                first = last = new Segment(memory, 0);
            }
            else
            {
                last = last!.Append(memory);
            }
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
