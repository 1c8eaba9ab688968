using AotSandbox.Protocol.WebSocket;

namespace AotSandbox.Tests.Transport;

public class WebSocketMaskingTests
{
    [Fact]
    public void Mask_AllLengthsAndOffsets_MatchesNaiveXor()
    {
        var random = new Random(6455);
        for (int length = 0; length <= 300; length++)
        {
            for (int offset = 0; offset < 8; offset++)
            {
                uint key = (uint)random.Next() ^ ((uint)random.Next() << 16);
                byte[] original = new byte[length];
                random.NextBytes(original);

                byte[] fast = (byte[])original.Clone();
                WebSocketMasking.Mask(fast, key, offset);

                byte[] naive = (byte[])original.Clone();
                for (int i = 0; i < naive.Length; i++)
                {
                    naive[i] ^= (byte)(key >> (((offset + i) & 3) * 8));
                }

                Assert.Equal(naive, fast);
            }
        }
    }

    [Fact]
    public void Mask_UnalignedSpanStart_MatchesNaiveXor()
    {
        // The vector paths must not assume an aligned start.
        var random = new Random(7);
        byte[] backing = new byte[400];
        random.NextBytes(backing);
        for (int start = 0; start < 16; start++)
        {
            byte[] fast = (byte[])backing.Clone();
            WebSocketMasking.Mask(fast.AsSpan(start, 300), 0xA1B2C3D4, 0);
            for (int i = 0; i < backing.Length; i++)
            {
                byte expected = i >= start && i < start + 300 ? (byte)(backing[i] ^ (byte)(0xA1B2C3D4 >> (((i - start) & 3) * 8))) : backing[i];
                Assert.Equal(expected, fast[i]);
            }
        }
    }

    [Fact]
    public void Mask_InPieces_EqualsWhole_AndTwiceRestores()
    {
        var random = new Random(1);
        byte[] original = new byte[1000];
        random.NextBytes(original);
        const uint key = 0xDEADBEEF;

        byte[] whole = (byte[])original.Clone();
        WebSocketMasking.Mask(whole, key, 0);

        byte[] pieces = (byte[])original.Clone();
        int position = 0;
        foreach (int size in new[] { 1, 2, 3, 5, 17, 33, 64, 100, 775 })
        {
            WebSocketMasking.Mask(pieces.AsSpan(position, size), key, position);
            position += size;
        }

        Assert.Equal(whole, pieces);
        WebSocketMasking.Mask(pieces, key, 0);
        Assert.Equal(original, pieces);
    }
}
