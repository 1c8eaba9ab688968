using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AotSandbox.Protocol.WebSocket;

/// <summary>RFC 6455 §5.3 masking (XOR with a repeating 4-byte key); the same operation masks and unmasks.</summary>
internal static class WebSocketMasking
{
    /// <summary>XORs <paramref name="data"/> in place with the mask key.</summary>
    /// <param name="data">The bytes to (un)mask.</param>
    /// <param name="key">The key as read little-endian from the wire (key byte <c>i</c> = bits <c>8i..8i+7</c>).</param>
    /// <param name="offset">Position of <paramref name="data"/>[0] within the frame payload, so a payload can be masked in pieces.</param>
    public static void Mask(Span<byte> data, uint key, int offset)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        MaskCore(ref start, ref start, (nuint)data.Length, key, offset);
    }

    /// <summary>
    /// Writes <paramref name="source"/> XORed with the mask key into <paramref name="destination"/>: the copy and the
    /// mask in one pass over the bytes, where copying then masking in place reads and writes them twice. The two spans
    /// must not overlap (in place is <see cref="Mask"/>).
    /// </summary>
    /// <param name="source">The bytes to mask; only read.</param>
    /// <param name="destination">At least as long as <paramref name="source"/>.</param>
    /// <param name="key">As for <see cref="Mask"/>.</param>
    /// <param name="offset">Position of <paramref name="source"/>[0] within the frame payload.</param>
    public static void MaskCopy(ReadOnlySpan<byte> source, Span<byte> destination, uint key, int offset)
    {
        if (destination.Length < source.Length)
        {
            ThrowDestinationTooShort();
        }

        MaskCore(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), (nuint)source.Length, key, offset);
    }

    private static void MaskCore(ref byte source, ref byte destination, nuint length, uint key, int offset)
    {
        // Rotate the key so that its lowest byte is the one that applies to byte 0; from then on every
        // 4-, 16- or 32-byte step starts on a key boundary and the key never needs adjusting again.
        uint rotated = BitOperations.RotateRight(key, (offset & 3) * 8);

        // Wide loads/stores see memory order; the key value above is in little-endian order.
        uint memoryKey = BitConverter.IsLittleEndian ? rotated : BinaryPrimitives.ReverseEndianness(rotated);
        nuint i = 0;

        if (Vector.IsHardwareAccelerated && length >= (nuint)Vector<byte>.Count)
        {
            Vector<byte> mask = Vector.AsVectorByte(new Vector<uint>(memoryKey));
            nuint lastVector = length - (nuint)Vector<byte>.Count;
            for (; i <= lastVector; i += (nuint)Vector<byte>.Count)
            {
                (Vector.LoadUnsafe(ref source, i) ^ mask).StoreUnsafe(ref destination, i);
            }
        }

        if (Vector128.IsHardwareAccelerated && length - i >= (nuint)Vector128<byte>.Count)
        {
            Vector128<byte> mask = Vector128.Create(memoryKey).AsByte();
            nuint lastVector = length - (nuint)Vector128<byte>.Count;
            for (; i <= lastVector; i += (nuint)Vector128<byte>.Count)
            {
                (Vector128.LoadUnsafe(ref source, i) ^ mask).StoreUnsafe(ref destination, i);
            }
        }

        for (; length - i >= 4; i += 4)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, i), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, i)) ^ memoryKey);
        }

        // Tail: i is a multiple of 4 here, so byte (i & 3) of the rotated key applies.
        for (; i < length; i++)
        {
            Unsafe.Add(ref destination, i) = (byte)(Unsafe.Add(ref source, i) ^ (byte)(rotated >> (int)((i & 3) * 8)));
        }
    }

    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("The destination is shorter than the source.", "destination");
}
